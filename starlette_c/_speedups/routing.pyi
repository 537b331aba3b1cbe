"""Stub of the compiled twin ``starlette_c._speedups.routing`` (same names and signatures as the pure twin)."""

import re
from collections.abc import Callable, Iterable, Sequence
from re import Pattern
from typing import Any

from starlette_c.convertors import Convertor
from starlette_c.types import Scope

PARAM_REGEX: re.Pattern[str]

def compile_path(path: str) -> tuple[Pattern[str], str, dict[str, Convertor[Any]]]: ...
def match_path(
    path_regex: Pattern[str], param_convertors: dict[str, Convertor[Any]], route_path: str, scope: Scope
) -> dict[str, Any] | None: ...
def match_mount(
    path_regex: Pattern[str], param_convertors: dict[str, Convertor[Any]], route_path: str, scope: Scope
) -> tuple[dict[str, Any], str] | None: ...
def host_from_headers(headers: Sequence[tuple[bytes, bytes]]) -> str: ...

class RouteMatcher:
    def __init__(
        self,
        stock_matches: Callable[..., Any],
        full: Any,
        partial: Any,
        none: Any,
        filing: Callable[[Any], Any],
        stock_handle: Callable[..., Any],
    ) -> None: ...
    def route(self, route: Any, scope: Scope) -> tuple[Any, Scope]: ...
    def first(self, candidates: Iterable[tuple[int, Any]], scope: Scope) -> tuple[Any, Scope]: ...
    def routes(self, routes: Any, scope: Scope) -> tuple[Any, Scope]: ...
    def direct_handler(self, route: Any, scope: Scope) -> Any: ...
    def serves(self, route: Any, scope: Scope) -> bool: ...
