from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import starlette_c
import starlette_c.exceptions
from starlette_c import _alias

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(starlette_c.__path__, "starlette_c.")
    if not any(part.startswith("_") for part in info.name.split(".")[1:])
    and info.name not in ("starlette_c.as_starlette", "starlette_c.middleware.wsgi")
    and not info.name.startswith("starlette_c.bench")
)


def _real_starlette_entries() -> dict[str, ModuleType]:
    return {
        name: module for name, module in sys.modules.items() if name == "starlette" or name.startswith("starlette.")
    }


@pytest.fixture
def aliased() -> Iterator[None]:
    # NOTE: the differential tests import the real starlette into this process; set it aside meanwhile.
    saved = _real_starlette_entries()
    for name in saved:
        del sys.modules[name]
    _alias.enable()
    try:
        yield
    finally:
        _alias.disable()
        sys.modules.update(saved)


@pytest.mark.usefixtures("aliased")
@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_module_is_the_same_object(name: str) -> None:
    alias = "starlette" + name[len("starlette_c") :]
    assert importlib.import_module(alias) is importlib.import_module(name)
    assert sys.modules[alias] is sys.modules[name]


@pytest.mark.usefixtures("aliased")
def test_version_is_the_starlette_api_level() -> None:
    import starlette

    assert starlette.__version__ == starlette_c.__version__ == "1.10.0"


@pytest.mark.usefixtures("aliased")
def test_a_new_submodule_needs_no_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = ModuleType("starlette_c.middleware._fresh")
    monkeypatch.setitem(sys.modules, fresh.__name__, fresh)
    import starlette.middleware._fresh  # type: ignore[import-not-found]

    assert starlette.middleware._fresh is fresh


@pytest.mark.usefixtures("aliased")
@pytest.mark.parametrize("name", ["middleware.body_limit", "middleware.opentelemetry"])
def test_starlette_1_10_middleware_modules(name: str) -> None:
    if importlib.util.find_spec(f"starlette_c.{name}") is None:
        pytest.skip(f"starlette_c.{name} lands with its owner's branch")
    assert importlib.import_module(f"starlette.{name}") is importlib.import_module(f"starlette_c.{name}")


@pytest.mark.usefixtures("aliased")
def test_names_classes_and_patch_points_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    import starlette
    from starlette import routing
    from starlette._exception_handler import wrap_app_handling_exceptions
    from starlette._utils import get_route_path, is_async_callable
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    import starlette_c._exception_handler
    import starlette_c._utils
    import starlette_c.responses
    import starlette_c.routing

    assert starlette is starlette_c
    assert routing is starlette_c.routing
    assert Route is starlette_c.routing.Route
    assert wrap_app_handling_exceptions is starlette_c._exception_handler.wrap_app_handling_exceptions
    assert (get_route_path, is_async_callable) == (
        starlette_c._utils.get_route_path,
        starlette_c._utils.is_async_callable,
    )
    assert isinstance(starlette_c.responses.JSONResponse({}), JSONResponse)
    monkeypatch.setattr("starlette.responses.json.dumps", lambda *args, **kwargs: "patched")
    assert starlette_c.responses.JSONResponse({"a": 1}).body == b"patched"


@pytest.mark.usefixtures("aliased")
def test_a_module_starlette_c_lacks_is_missing_under_its_starlette_name() -> None:
    with pytest.raises(ModuleNotFoundError, match="No module named 'starlette.no_such_module'") as info:
        importlib.import_module("starlette.no_such_module")
    assert info.value.name == "starlette.no_such_module"


@pytest.mark.usefixtures("aliased")
def test_a_missing_dependency_is_reported_as_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(name: str) -> ModuleType:
        raise ModuleNotFoundError("No module named 'jinja2'", name="jinja2")

    monkeypatch.setattr(_alias.importlib, "import_module", fail)
    with pytest.raises(ModuleNotFoundError, match="'jinja2'"):
        import starlette.templating  # noqa: F401


def _generator_lifespan(app: object) -> Iterator[None]:
    yield  # pragma: no cover (never entered: only its deprecation is tested)


@pytest.mark.usefixtures("aliased")
def test_warnings_and_messages_use_the_starlette_module_names() -> None:
    # NOTE: filters written for Starlette (pytest's filterwarnings, -W) name its modules: they must apply.
    import starlette.routing

    with warnings.catch_warnings():
        warnings.filterwarnings("error")
        warnings.filterwarnings(
            "ignore", category=starlette_c.exceptions.StarletteDeprecationWarning, module="starlette.routing"
        )
        starlette.routing.Router(lifespan=_generator_lifespan)
    with pytest.raises(AttributeError, match="module 'starlette.status' has no attribute 'HTTP_999'"):
        importlib.import_module("starlette.status").HTTP_999  # noqa: B018
    assert _alias.public_name("starlette_c.routing") == "starlette.routing"
    assert _alias.public_name("starlette_c") == "starlette" and _alias.public_name("starlette_cx") == "starlette_cx"


def test_warnings_use_the_starlette_c_module_names_without_the_switch() -> None:
    from starlette_c import routing, status

    with pytest.warns(starlette_c.exceptions.StarletteDeprecationWarning) as record:
        routing.Router(lifespan=_generator_lifespan)
    assert record[0].filename == routing.__file__
    with warnings.catch_warnings():
        warnings.filterwarnings("error")
        warnings.filterwarnings("ignore", module="starlette_c.routing")
        routing.Router(lifespan=_generator_lifespan)
    with pytest.raises(AttributeError, match="module 'starlette_c.status' has no attribute 'HTTP_999'"):
        status.HTTP_999  # noqa: B018
    assert _alias.public_name("starlette_c.routing") == "starlette_c.routing"


def test_enable_refuses_when_the_real_starlette_came_first() -> None:
    saved = _real_starlette_entries()
    sys.modules.setdefault("starlette", ModuleType("starlette"))
    try:
        with pytest.raises(
            ImportError, match="must run before anything imports starlette; already imported: starlette"
        ):
            _alias.enable()
        assert not _alias.is_enabled()
        _alias.disable()
        assert "starlette" in sys.modules, "disable() must leave the real starlette alone"
    finally:
        sys.modules.pop("starlette")
        sys.modules.update(saved)


@pytest.mark.usefixtures("aliased")
def test_enable_twice_and_disable() -> None:
    _alias.enable()
    assert sys.meta_path.count(_alias._finder) == 1
    assert _alias.is_enabled()
    import starlette.status  # noqa: F401

    _alias.disable()
    assert not _alias.is_enabled()
    assert "starlette" not in sys.modules and "starlette.status" not in sys.modules
    assert "starlette_c.status" in sys.modules


def test_importing_as_starlette_enables_the_alias() -> None:
    saved = _real_starlette_entries()
    for name in saved:
        del sys.modules[name]
    try:
        module = importlib.reload(importlib.import_module("starlette_c.as_starlette"))
        assert module.is_enabled()
        assert importlib.import_module("starlette") is starlette_c
    finally:
        _alias.disable()
        sys.modules.update(saved)


def _python(code: str, *, env: dict[str, str], cwd: Path) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize(("value", "expected"), [("1", "starlette_c"), ("0", "starlette"), (None, "starlette")])
def test_the_pth_hook_honours_the_environment_variable(tmp_path: Path, value: str | None, expected: str) -> None:
    # NOTE: site.addsitedir processes a .pth exactly as interpreter start-up does for site-packages.
    shutil.copy(ROOT / "starlette_c_as_starlette.pth", tmp_path)
    env = {key: val for key, val in os.environ.items() if key != _alias.ENV_VAR}
    if value is not None:
        env[_alias.ENV_VAR] = value
    env["PYTHONPATH"] = str(ROOT)
    code = f"import site; site.addsitedir({str(tmp_path)!r}); import fastapi, starlette; print(starlette.__name__)"
    assert _python(code, env=env, cwd=tmp_path) == expected
