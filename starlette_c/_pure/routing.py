"""Pure twin of ``starlette_c._speedups.routing``: route template compilation and per-request matching."""

from __future__ import annotations

import re
from collections.abc import Sequence
from re import Pattern
from typing import Any

from starlette_c.convertors import CONVERTOR_TYPES, Convertor
from starlette_c.types import Scope

PARAM_REGEX = re.compile("{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")


def _literal(text: str, is_host: bool) -> str:
    escaped = re.escape(text)
    if is_host and escaped:
        # NOTE: hosts match ignoring case (hardening); only literal parts, so convertor regexes keep their meaning.
        return f"(?i:{escaped})"
    return escaped


def compile_path(path: str) -> tuple[Pattern[str], str, dict[str, Convertor[Any]]]:
    """Compile ``/users/{id:int}`` (or a host template such as ``{sub}.example.org``) into
    ``(regex, format string, {param name: convertor})``."""
    is_host = not path.startswith("/")
    path_regex = "^"
    path_format = ""
    param_convertors: dict[str, Convertor[Any]] = {}
    duplicated: list[str] = []
    idx = 0
    for match in PARAM_REGEX.finditer(path):
        param_name, convertor_type = match.groups("str")
        convertor_type = convertor_type.lstrip(":")
        assert convertor_type in CONVERTOR_TYPES, f"Unknown path convertor '{convertor_type}'"
        convertor = CONVERTOR_TYPES[convertor_type]
        literal = path[idx : match.start()]
        path_regex += _literal(literal, is_host) + f"(?P<{param_name}>{convertor.regex})"
        path_format += literal + "{" + param_name + "}"
        if param_name in param_convertors and param_name not in duplicated:
            duplicated.append(param_name)
        param_convertors[param_name] = convertor
        idx = match.end()

    if duplicated:
        names = ", ".join(sorted(duplicated))
        ending = "s" if len(duplicated) > 1 else ""
        raise ValueError(f"Duplicated param name{ending} {names} at path {path}")

    tail = path[idx:]
    # NOTE: a host template's trailing ":port" is kept for URL building but never matched.
    path_regex += _literal(tail.split(":")[0] if is_host else tail, is_host) + "$"
    path_format += tail
    return re.compile(path_regex), path_format, param_convertors


# NOTE: patterns are matched with fullmatch: their "$" would also match before a final newline, so that
# "/users\n" matched "/users" in the reference; the route index files "/users" by its exact path, and both
# agree that only "/users" matches it.


def _converted(match: re.Match[str], param_convertors: dict[str, Convertor[Any]]) -> dict[str, Any] | None:
    params: dict[str, Any] = match.groupdict()
    try:
        for key, value in params.items():
            params[key] = param_convertors[key].convert(value)
    except ValueError:
        # NOTE: a value its convertor rejects (e.g. a 5000-digit int) is no match, not a 500 as in the reference.
        return None
    return params


def _merged(scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
    scope_params = scope.get("path_params")
    if not scope_params:
        return params
    merged = dict(scope_params)
    merged.update(params)
    return merged


def match_path(
    path_regex: Pattern[str], param_convertors: dict[str, Convertor[Any]], route_path: str, scope: Scope
) -> dict[str, Any] | None:
    """The path params of a route matching ``route_path`` (a copy of ``scope["path_params"]`` updated with the
    converted captures), or ``None`` when it does not match."""
    match = path_regex.fullmatch(route_path)
    if match is None:
        return None
    params = _converted(match, param_convertors)
    return None if params is None else _merged(scope, params)


def match_mount(
    path_regex: Pattern[str], param_convertors: dict[str, Convertor[Any]], route_path: str, scope: Scope
) -> tuple[dict[str, Any], str] | None:
    """``match_path`` for a mount's ``<prefix>/{path:path}`` pattern: the path params without the captured
    remainder, and the part of ``route_path`` the prefix matched; ``None`` when it does not match."""
    match = path_regex.fullmatch(route_path)
    if match is None:
        return None
    params = _converted(match, param_convertors)
    if params is None:
        return None
    remaining_path = "/" + params.pop("path")
    return _merged(scope, params), route_path[: -len(remaining_path)]


def host_from_headers(headers: Sequence[tuple[bytes, bytes]]) -> str:
    """The first ``host`` header (ASGI names are lowercase) without its port; empty when there is none."""
    for key, value in headers:
        if key == b"host":
            return value.decode("latin-1").split(":")[0]
    return ""
