"""The examples of docs/config.md, with ``starlette`` imports changed to ``starlette_c``.

``sqlalchemy`` and ``sqlalchemy_utils`` are replaced by small fakes: the examples only pass them the URL.
"""

from __future__ import annotations

import os
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from starlette_c.config import environ
from tests.conftest import TestClientFactory

ENV_FILE = """\
# Don't commit this to source control.
# Eg. Include ".env" in your `.gitignore` file.
DEBUG=True
DATABASE_URL=postgresql://user:password@localhost:5432/database
SECRET_KEY=43n080musdfjt54t-09sdgr
ALLOWED_HOSTS=127.0.0.1, localhost
"""

KEYS = ("DEBUG", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "APP_DEBUG", "ENVIRONMENT", "APP_ENVIRONMENT")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory with the documented ``.env``, a clean ``environ`` and a fake sqlalchemy."""
    monkeypatch.setattr(environ, "_has_been_read", set())
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    (tmp_path / ".env").write_text(ENV_FILE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))

    engines: list[str] = []
    sqlalchemy = types.ModuleType("sqlalchemy")
    sqlalchemy.create_engine = lambda url: engines.append(url) or url  # type: ignore[attr-defined]
    sqlalchemy.MetaData = lambda: "metadata"  # type: ignore[attr-defined]
    sqlalchemy.Table = lambda *args: "table"  # type: ignore[attr-defined]
    sqlalchemy.engines = engines  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sqlalchemy", sqlalchemy)
    yield tmp_path
    for name in [name for name in sys.modules if name == "myproject" or name.startswith("myproject.")]:
        del sys.modules[name]


def test_main_example(project: Path) -> None:
    from sqlalchemy import create_engine  # type: ignore[import-not-found]

    from starlette_c.applications import Starlette
    from starlette_c.config import Config
    from starlette_c.datastructures import CommaSeparatedStrings, Secret

    # Config will be read from environment variables and/or ".env" files.
    config = Config(".env")

    DEBUG = config("DEBUG", cast=bool, default=False)
    DATABASE_URL = config("DATABASE_URL")
    SECRET_KEY = config("SECRET_KEY", cast=Secret)
    ALLOWED_HOSTS = config("ALLOWED_HOSTS", cast=CommaSeparatedStrings)

    app = Starlette(debug=DEBUG)
    engine = create_engine(DATABASE_URL)

    assert DEBUG is True and app.debug is True
    assert engine == "postgresql://user:password@localhost:5432/database"
    assert repr(SECRET_KEY) == "Secret('**********')"
    assert str(SECRET_KEY) == "43n080musdfjt54t-09sdgr"
    assert repr(ALLOWED_HOSTS) == "CommaSeparatedStrings(['127.0.0.1', 'localhost'])"
    assert list(ALLOWED_HOSTS) == ["127.0.0.1", "localhost"]
    assert len(ALLOWED_HOSTS) == 2
    assert ALLOWED_HOSTS[0] == "127.0.0.1"


def test_environment_variables_take_precedence(project: Path) -> None:
    from starlette_c.config import Config

    environ["DEBUG"] = "false"
    config = Config(".env")
    assert config("DEBUG", cast=bool, default=False) is False
    assert config("DATABASE_URL").startswith("postgresql://")
    assert config("MISSING", default="from default") == "from default"
    with pytest.raises(KeyError, match="Config 'MISSING' is missing, and has no default."):
        config("MISSING")


def test_environ_refuses_late_changes(project: Path) -> None:
    from starlette_c.config import Config, EnvironError

    environ["DEBUG"] = "TRUE"
    assert Config()("DEBUG", cast=bool) is True
    with pytest.raises(EnvironError):
        environ["DEBUG"] = "FALSE"


def test_prefixed_environment_variables(project: Path) -> None:
    from starlette_c.config import Config

    os.environ["APP_DEBUG"] = "yes"
    os.environ["ENVIRONMENT"] = "dev"

    config = Config(env_prefix="APP_")

    DEBUG = config("DEBUG")  # lookups APP_DEBUG, returns "yes"
    assert DEBUG == "yes"
    with pytest.raises(KeyError):
        config("ENVIRONMENT")  # lookups APP_ENVIRONMENT, raises KeyError as variable is not defined


def test_custom_encoding(project: Path) -> None:
    from starlette_c.config import Config

    (project / ".env").write_bytes("GREETING=ol\xe1\n".encode("latin-1"))

    # Using custom encoding for .env file
    config = Config(".env", encoding="latin-1")

    assert config("GREETING") == "olá"


SETTINGS = """
from starlette_c.config import Config
from starlette_c.datastructures import Secret

config = Config(".env")

DEBUG = config('DEBUG', cast=bool, default=False)
SECRET_KEY = config('SECRET_KEY', cast=Secret)

DATABASE_URL = config('DATABASE_URL')
"""

TABLES = """
import sqlalchemy

# Database table definitions.
metadata = sqlalchemy.MetaData()

organisations = sqlalchemy.Table(
    ...
)
"""

APP = """
from starlette_c.applications import Starlette
from starlette_c.middleware import Middleware
from starlette_c.middleware.sessions import SessionMiddleware
from starlette_c.routing import Route

from myproject import settings


async def homepage(request):
    ...

routes = [
    Route("/", endpoint=homepage)
]

middleware = [
    Middleware(
        SessionMiddleware,
        secret_key=settings.SECRET_KEY,
    )
]

app = Starlette(debug=settings.DEBUG, routes=routes, middleware=middleware)
"""


def test_full_example(project: Path, test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    package = project / "myproject"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (package / "tables.py").write_text(textwrap.dedent(TABLES))
    (package / "app.py").write_text(textwrap.dedent(APP))
    (project / ".env").write_text("DEBUG=False\nSECRET_KEY=s3cret\nDATABASE_URL=postgresql://localhost/test\n")

    created: list[str] = []
    utils = types.ModuleType("sqlalchemy_utils")
    utils.create_database = created.append  # type: ignore[attr-defined]
    utils.database_exists = lambda url: url in created  # type: ignore[attr-defined]
    utils.drop_database = created.remove  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sqlalchemy_utils", utils)

    # tests/conftest.py of the example, as straight-line code.
    from sqlalchemy import create_engine
    from sqlalchemy_utils import create_database, database_exists, drop_database  # type: ignore[import-not-found]

    # This line would raise an error if we use it after 'settings' has been imported.
    environ["DEBUG"] = "TRUE"

    from myproject import settings  # type: ignore[import-not-found]
    from myproject.app import app  # type: ignore[import-not-found]
    from myproject.tables import metadata  # type: ignore[import-not-found]

    url = settings.DATABASE_URL
    engine = create_engine(url)
    assert not database_exists(url), "Test database already exists. Aborting tests."
    create_database(url)
    assert metadata == "metadata" and engine == url
    with test_client_factory(app) as client:  # the application lifespan runs
        assert client.app is app
    drop_database(url)

    assert settings.DEBUG is True and app.debug is True
    assert str(settings.SECRET_KEY) == "s3cret"
    assert created == []
    with pytest.raises(Exception, match="already been read"):
        environ["DEBUG"] = "FALSE"


def test_settings_access(project: Path) -> None:
    package = project / "myproject"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(textwrap.dedent(SETTINGS))
    from myproject import settings

    assert repr(settings.SECRET_KEY) == "Secret('**********')"
    assert str(settings.SECRET_KEY) == "43n080musdfjt54t-09sdgr"
