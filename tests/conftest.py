from __future__ import annotations

import functools
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from starlette_c.testclient import TestClient

TestClientFactory = Callable[..., "TestClient"]


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {}), id="asyncio"),
        pytest.param(("trio", {}), id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """Every test that uses anyio or the client runs once per backend."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def test_client_factory(anyio_backend_name: str, anyio_backend_options: dict[str, Any]) -> TestClientFactory:
    """``TestClient`` bound to the backend of this parametrization: ``test_client_factory(app)``."""
    from starlette_c.testclient import TestClient

    return functools.partial(TestClient, backend=anyio_backend_name, backend_options=anyio_backend_options)


COLLECTION_TIME = pytest.StashKey[float]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist, in the controller: one clock reading for every worker's collection (see ``pytest_collection``)."""
    node.workerinput["collection_time"] = node.config.stash.setdefault(COLLECTION_TIME, time.time())


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """In an xdist worker, collection reads the controller's clock: xdist runs only when every worker collects the
    same test ids, and some ids embed the time (cookies signed by itsdangerous while the module is imported)."""
    workerinput: dict[str, Any] | None = getattr(session.config, "workerinput", None)
    if workerinput is None:
        return (yield)
    clock: float = workerinput["collection_time"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: clock)
        return (yield)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist (scripts/test runs ``-n auto --dist loadgroup``), the hostile suite stays on one worker, in order:
    its last file checks the server's memory and descriptors after every other case has abused it."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    hostile = Path(__file__).parent / "hostile"
    for item in items:
        if item.path.is_relative_to(hostile):
            item.add_marker(pytest.mark.xdist_group("hostile"))
