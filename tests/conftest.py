from __future__ import annotations

import functools
from collections.abc import Callable
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
