"""The examples of docs/staticfiles.md, with ``starlette`` imports changed to ``starlette_c``.

``bootstrap4`` is replaced by a package written to a temporary directory, with the same layout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TestClientFactory


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.js").write_text("// app")
    package = tmp_path / "site" / "bootstrap4"
    (package / "statics" / "css").mkdir(parents=True)
    (package / "static").mkdir()
    (package / "__init__.py").write_text("")
    (package / "statics" / "css" / "bootstrap.min.css").write_text("/* statics */")
    (package / "static" / "bootstrap.js").write_text("// static")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_mount_static_directory(workdir: Path, test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.routing import Mount
    from starlette_c.staticfiles import StaticFiles

    routes = [
        Mount("/static", app=StaticFiles(directory="static"), name="static"),
    ]

    app = Starlette(routes=routes)

    client = test_client_factory(app)
    assert client.get("/static/app.js").text == "// app"
    assert client.get("/static/missing.js").status_code == 404
    not_allowed = client.post("/static/app.js")
    assert (not_allowed.status_code, not_allowed.headers["allow"]) == (405, "GET, HEAD")


def test_html_mode_404_page(workdir: Path, test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.routing import Mount
    from starlette_c.staticfiles import StaticFiles

    (workdir / "static" / "index.html").write_text("index")
    (workdir / "static" / "404.html").write_text("not here")
    app = Starlette(routes=[Mount("/", app=StaticFiles(directory="static", html=True))])

    client = test_client_factory(app)
    assert client.get("/").text == "index"
    missing = client.get("/missing")
    assert (missing.status_code, missing.text) == (404, "not here")


def test_packages(workdir: Path, test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.routing import Mount
    from starlette_c.staticfiles import StaticFiles

    routes = [
        Mount("/static", app=StaticFiles(directory="static", packages=["bootstrap4"]), name="static"),
    ]

    app = Starlette(routes=routes)

    client = test_client_factory(app)
    assert client.get("/static/app.js").text == "// app"
    assert client.get("/static/css/bootstrap.min.css").text == "/* statics */"


def test_package_with_custom_directory(workdir: Path, test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.routing import Mount
    from starlette_c.staticfiles import StaticFiles

    routes = [
        Mount("/static", app=StaticFiles(packages=[("bootstrap4", "static")]), name="static"),
    ]

    client = test_client_factory(Starlette(routes=routes))
    assert client.get("/static/bootstrap.js").text == "// static"
    assert client.get("/static/css/bootstrap.min.css").status_code == 404
