"""Stub of the compiled twin ``starlette_c._speedups.routing``: the pure twin's names, plus a counter."""

import re
from collections.abc import Callable, Iterable
from re import Pattern
from typing import Any

from starlette_c.convertors import Convertor
from starlette_c.types import Scope

PARAM_REGEX: re.Pattern[str]

def compile_path(path: str) -> tuple[Pattern[str], str, dict[str, Convertor[Any]]]: ...
def regex_fallbacks() -> int: ...
def match_path(
    pattern: Pattern[str], convertors: dict[str, Convertor[Any]], text: str, scope: Scope, owner: object = None
) -> dict[str, Any] | None: ...
def match_mount(
    pattern: Pattern[str], convertors: dict[str, Convertor[Any]], text: str, scope: Scope, owner: object = None
) -> tuple[dict[str, Any], str] | None: ...

class RouteMatcher:
    def __init__(
        self, stock_matches: Callable[..., Any], full: Any, partial: Any, none: Any, file: Callable[[Any], Any]
    ) -> None: ...
    def route(self, route: Any, scope: Scope) -> tuple[Any, Scope]: ...
    def first(self, candidates: Iterable[tuple[int, Any]], scope: Scope) -> tuple[Any, Scope]: ...
    def routes(self, routes: Any, scope: Scope) -> tuple[Any, Scope]: ...
