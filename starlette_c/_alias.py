"""Make ``import starlette`` (and every ``starlette.X``) resolve to the starlette_c module objects."""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette_c._route_index import RouteIndex
    from starlette_c.types import Receive, Scope, Send

ALIAS = "starlette"
TARGET = "starlette_c"
ENV_VAR = "STARLETTE_C_AS_STARLETTE"


def _is_alias_name(name: str) -> bool:
    return name == ALIAS or name.startswith(ALIAS + ".")


class _AliasLoader(Loader):
    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # NOTE: the import system returns whatever sits in sys.modules after exec_module, so
        # `starlette.X` becomes the very `starlette_c.X` object (its own __spec__ left untouched).
        sys.modules[module.__name__] = self._module


class _AdaptingLoader(Loader):
    """A module's own loader, followed by its adaptation to starlette_c (see ``_ADAPTERS``)."""

    def __init__(self, loader: Loader, adapt: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._adapt = adapt

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._adapt(module)

    def __getattr__(self, name: str) -> Any:
        # NOTE: get_source, get_filename and the rest (tracebacks, inspect) are the module's own loader's.
        return getattr(self._loader, name)


class _AliasFinder(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        adapt = _ADAPTERS.get(fullname)
        if adapt is not None:
            return self._adapted_spec(fullname, path, target, adapt)
        if not _is_alias_name(fullname):
            return None
        target_name = TARGET + fullname[len(ALIAS) :]
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as exc:
            if exc.name == target_name:
                # NOTE: a starlette module starlette_c lacks fails as a missing module, under its own name.
                raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname) from None
            raise
        return ModuleSpec(fullname, _AliasLoader(module))

    def _adapted_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None, adapt: Callable[[ModuleType], None]
    ) -> ModuleSpec | None:
        """The spec the other finders give ``fullname``, its loader followed by ``adapt``."""
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = None if finder is self or find is None else find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _AdaptingLoader(spec.loader, adapt)
                return spec
        return None


_finder = _AliasFinder()


def _is_ours(module: ModuleType) -> bool:
    name = getattr(module, "__name__", "")
    return name == TARGET or name.startswith(TARGET + ".")


def _starlette_entries(*, ours: bool) -> list[str]:
    return sorted(
        name for name, module in list(sys.modules.items()) if _is_alias_name(name) and _is_ours(module) is ours
    )


def enable() -> None:
    """Install the alias; refuse if the real starlette was imported first (objects would be mixed)."""
    if _finder in sys.meta_path:
        return
    foreign = _starlette_entries(ours=False)
    if foreign:
        raise ImportError(
            "starlette_c.as_starlette must run before anything imports starlette; already imported: "
            + ", ".join(foreign)
        )
    sys.meta_path.insert(0, _finder)


def disable() -> None:
    """Remove the alias and forget the ``starlette.*`` names it handed out."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in _starlette_entries(ours=True):
        del sys.modules[name]


def is_enabled() -> bool:
    return _finder in sys.meta_path


def public_name(name: str) -> str:
    """A starlette_c module's name as apps import it: ``starlette.X`` while the alias is on."""
    if (name == TARGET or name.startswith(TARGET + ".")) and is_enabled():
        return ALIAS + name[len(TARGET) :]
    return name


# --- FastAPI on the route index -------------------------------------------------------------------------------

# The sha256 (first 16 hex digits) of the source of each FastAPI method the adaptation below was checked against
# (FastAPI 0.165.0: APIRoute.matches, APIWebSocketRoute.matches, APIRouter.app). A method whose source differs is
# left as it is: FastAPI's own full scan, correct and only slower.
_FASTAPI_VETTED = frozenset({"b97ea9942fe14d7e", "3243505549df189a", "89d3c3a8083f410e"})


def _vetted(method: Callable[..., Any]) -> bool:
    try:
        source = inspect.getsource(method)
    except (OSError, TypeError):
        return False
    return hashlib.sha256(source.encode()).hexdigest()[:16] in _FASTAPI_VETTED


class _Narrowed:
    """A FastAPI router as its dispatch sees it for one request: ``routes`` holds only those that can match it."""

    __slots__ = ("_router", "routes")

    def __init__(self, router: Any, routes: list[Any]) -> None:
        self._router = router
        self.routes = routes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._router, name)


def _fastapi_candidates(
    index: RouteIndex[Any], scope: Scope, redirect_slashes: bool, route_path_of: Callable[[Scope], str]
) -> list[Any]:
    """The routes a FastAPI router's dispatch must try for ``scope``: those that can match its path or, when
    that dispatch would look for a slash redirect, the path with its trailing slash toggled as FastAPI does."""
    route_path = route_path_of(scope)
    if scope["type"] == "http" and redirect_slashes and route_path != "/":
        path: str = scope["path"]
        toggled = {
            "path": path.rstrip("/") if route_path.endswith("/") else path + "/",
            "root_path": scope.get("root_path", ""),
        }
        found = index.candidates_of_either(route_path, route_path_of(toggled))
    else:
        found = index.candidates(route_path)
    return [route for _, route in found]


def _narrowing_dispatch(
    dispatch: Callable[..., Any], api_route: type, effective_route: Callable[[Scope], Any]
) -> Callable[..., Any]:
    """``APIRouter.app`` run over the routes that can match the request instead of all of them.

    FastAPI's dispatch tries its routes in order for the first full match, else the first partial one, then
    (with ``redirect_slashes``) for any match of the path with its trailing slash toggled. Handing it, in
    declaration order, every route that can match either path picks what the full scan picks: the routes
    left out answer ``Match.NONE`` to both, and do nothing else.
    """
    from starlette_c._route_index import RouteList
    from starlette_c._utils import get_route_path
    from starlette_c.routing import _route_filing

    @functools.wraps(dispatch)
    async def app(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
        routes = self.routes
        if (
            scope["type"] not in ("http", "websocket")
            or type(routes) is not RouteList
            # NOTE: an APIRoute that the scope names as an included router's route matches that route's path.
            or isinstance(getattr(effective_route(scope), "original_route", None), api_route)
        ):
            await dispatch(self, scope, receive, send)
            return
        # NOTE: FastAPI's own "router" assignment, made here so that the stand-in never lands in the scope.
        scope.setdefault("router", self)
        candidates = _fastapi_candidates(
            routes.route_index(_route_filing), scope, self.redirect_slashes, get_route_path
        )
        await dispatch(_Narrowed(self, candidates), scope, receive, send)

    return app


def _adapt_fastapi_routing(module: ModuleType) -> None:
    """Put the routes of FastAPI's routers on the route index (see docs/fastapi.md)."""
    for route_class in (module.APIRoute, module.APIWebSocketRoute):
        if _vetted(route_class.matches):
            # NOTE: its matches calls the base one and adds "route" to the child scope of a match (an APIRoute that
            # the scope names as an included router's route matches that route's path: see _narrowing_dispatch).
            route_class.indexed_by_path = True
    router_class = module.APIRouter
    if _vetted(router_class.app):
        router_class.app = _narrowing_dispatch(
            router_class.app, module.APIRoute, module._get_scope_effective_route_context
        )


# The modules adapted to starlette_c when they are imported with the switch on, by name.
_ADAPTERS: dict[str, Callable[[ModuleType], None]] = {"fastapi.routing": _adapt_fastapi_routing}
