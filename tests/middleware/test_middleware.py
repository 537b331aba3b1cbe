from __future__ import annotations

import functools
from typing import Any

from starlette_c.middleware import Middleware
from starlette_c.types import ASGIApp, Receive, Scope, Send


class CustomMiddleware:
    def __init__(self, app: ASGIApp, label: str = "", *, size: int = 0) -> None:
        self.app = app
        self.label = label
        self.size = size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)  # pragma: no cover - only the construction is tested


def factory(app: ASGIApp, **options: Any) -> ASGIApp:
    return app


def test_attributes() -> None:
    middleware = Middleware(CustomMiddleware, "tag", size=3)
    assert middleware.cls is CustomMiddleware
    assert middleware.args == ("tag",)
    assert middleware.kwargs == {"size": 3}


def test_iter_unpacks_to_cls_args_kwargs() -> None:
    cls, args, kwargs = Middleware(CustomMiddleware, "tag", size=3)
    app = cls(factory, *args, **kwargs)
    assert isinstance(app, CustomMiddleware)
    assert (app.app, app.label, app.size) == (factory, "tag", 3)


def test_repr() -> None:
    assert repr(Middleware(CustomMiddleware)) == "Middleware(CustomMiddleware)"
    assert repr(Middleware(CustomMiddleware, "tag", size=3)) == "Middleware(CustomMiddleware, 'tag', size=3)"
    assert repr(Middleware(factory, level=[1])) == "Middleware(factory, level=[1])"


def test_repr_of_a_factory_without_name() -> None:
    assert repr(Middleware(functools.partial(factory), debug=True)) == "Middleware(, debug=True)"


def test_repr_of_a_subclass() -> None:
    class Named(Middleware):
        pass

    assert repr(Named(CustomMiddleware, "x")) == "Named(CustomMiddleware, 'x')"
