"""Coverage-guided twin parity with atheris: ``python -m tests.fuzz.atheris_targets <module> [libFuzzer flags]``.

``<module>`` is datastructures, responses or routing. Each input is split into the arguments of every twin function
of that module; both twins run; a divergence raises AssertionError and libFuzzer saves the input as a crash file
(scripts/fuzz saves them under tests/fuzz/regressions/atheris/<module>/, which tests/fuzz/test_atheris.py replays).
The pure twin's functions carry atheris' coverage instrumentation, so the pure side's branches guide the mutations;
the compiled side cannot (a Cython build has no sanitizer coverage).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FunctionType, ModuleType
from typing import Any

import atheris

from tests.fuzz.atheris_websockets import websockets_one
from tests.fuzz.twins import same, twins

Provider = Any  # atheris.FuzzedDataProvider (atheris ships no type information)
SCHEMES = ["http", "https", "ws", "wss", "ftp", ""]
SERVERS = ["127.0.0.1", "::1", "[::1]", "a.com", ""]
MEDIA_TYPES = [None, "text/plain", "text/html; charset=x", "TEXT/x", "application/json"]
PARAM_NAMES = ["a", "b", "x_1", "path", "1a", ""]
CONVERTORS = ["", ":str", ":int", ":float", ":uuid", ":path", ":nope", ":"]
PATH_PIECES = ["", "a", "0", "12", "-1", "1.5", "1e5", ".5", "12345678-1234-5678-1234-567812345678", "%2F", "..", "é"]


def text(fdp: Provider, longest: int) -> str:
    return str(fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, longest)))


def raw_headers(fdp: Provider) -> list[tuple[bytes, bytes]]:
    """ASGI-shaped header pairs from one blob: ``name:value`` lines, names lowered as servers hand them over."""
    blob = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 80))
    pairs = []
    for line in blob.split(b"\n") if blob else []:
        name, _, value = line.partition(b":")
        pairs.append((name.lower(), value))
    return pairs


def header_key(fdp: Provider, raw: list[tuple[bytes, bytes]]) -> str:
    """Often the name of a header present (in a random case), else any text."""
    if raw and fdp.ConsumeBool():
        name = raw[fdp.ConsumeIntInRange(0, len(raw) - 1)][0].decode("latin-1")
        return name.upper() if fdp.ConsumeBool() else name
    return text(fdp, 12)


def datastructures_one(data: bytes) -> None:
    pure, compiled = twins("datastructures")
    fdp = atheris.FuzzedDataProvider(data)
    raw = raw_headers(fdp)
    key, value = header_key(fdp, raw), text(fdp, 16)
    name = key.encode("latin-1", "replace").lower()
    same(pure, compiled, "header_name", key)
    same(pure, compiled, "encode_mapping", {key: value, text(fdp, 8): text(fdp, 8)})
    same(pure, compiled, "raw_get", raw, name)
    same(pure, compiled, "raw_set", raw, name, value.encode("utf-8", "replace"))
    same(pure, compiled, "raw_delete", raw, name)
    same(pure, compiled, "raw_add_vary", raw, fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 20)))
    same(pure, compiled, "header_get", raw, key, None)
    same(pure, compiled, "header_getlist", raw, key)
    same(pure, compiled, "header_contains", raw, key)
    same(pure, compiled, "header_setdefault", raw, key, value)
    same(pure, compiled, "header_set", raw, key, value)
    same(pure, compiled, "header_delete", raw, key)
    same(pure, compiled, "header_append", raw, key, value)
    same(pure, compiled, "header_keys", raw)
    same(pure, compiled, "header_values", raw)
    same(pure, compiled, "header_items", raw)
    same(pure, compiled, "parse_query", text(fdp, 60))
    same(pure, compiled, "usable_host", text(fdp, 40))
    scope: dict[str, Any] = {
        "type": fdp.PickValueInList(["http", "websocket"]),
        "path": text(fdp, 40),
        "headers": raw,
        "query_string": fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 30)),
    }
    if fdp.ConsumeBool():
        scope["scheme"] = fdp.PickValueInList(SCHEMES)
    if fdp.ConsumeBool():
        scope["server"] = (fdp.PickValueInList(SERVERS), fdp.ConsumeIntInRange(0, 70000))
    same(pure, compiled, "url_from_scope", scope, key=lambda pair: pair[0])


def responses_one(data: bytes) -> None:
    pure, compiled = twins("responses")
    fdp = atheris.FuzzedDataProvider(data)
    size = fdp.ConsumeIntInRange(0, 2**40)
    pairs = same(pure, compiled, "parse_byte_ranges", text(fdp, 60), size)
    if pairs is not None:
        same(pure, compiled, "merge_ranges", [pair for pair in pairs if pair[0] < pair[1]])
    headers = None if fdp.ConsumeBool() else {text(fdp, 10): text(fdp, 16) for _ in range(fdp.ConsumeIntInRange(0, 3))}
    media_type = fdp.PickValueInList(MEDIA_TYPES) if fdp.ConsumeBool() else text(fdp, 20)
    charset = fdp.PickValueInList(["utf-8", "latin-1", ""])
    status = fdp.PickValueInList([100, 101, 199, 200, 204, 206, 304, 404, 500])
    body_length = fdp.ConsumeIntInRange(-2, 10**6)
    same(pure, compiled, "init_raw_headers", headers, body_length, media_type, charset, status)


def route_shape(result: tuple[Any, str, dict[str, Any]]) -> tuple[str, str, dict[str, str]]:
    pattern, fmt, convertors = result
    return pattern.pattern, fmt, {name: type(conv).__name__ for name, conv in convertors.items()}


def route_template(fdp: Provider) -> str:
    """Literal pieces and ``{name:convertor}`` parameters, joined by slashes (a path) or not (a host template)."""
    parts = []
    for _ in range(fdp.ConsumeIntInRange(0, 4)):
        if fdp.ConsumeBool():
            parts.append("{" + fdp.PickValueInList(PARAM_NAMES) + fdp.PickValueInList(CONVERTORS) + "}")
        else:
            parts.append(text(fdp, 6))
    return "/" + "/".join(parts) if fdp.ConsumeBool() else ".".join(parts)


def request_path(fdp: Provider) -> str:
    pieces = [fdp.PickValueInList(PATH_PIECES) if fdp.ConsumeBool() else text(fdp, 8) for _ in range(4)]
    return "/" + "/".join(pieces[: fdp.ConsumeIntInRange(0, 4)])


def routing_one(data: bytes) -> None:
    pure, compiled = twins("routing")
    fdp = atheris.FuzzedDataProvider(data)
    route, path = route_template(fdp), request_path(fdp)
    shape = same(pure, compiled, "compile_path", route, compare_args=False, key=route_shape)
    if shape is not None:
        pattern, _, convertors = shape
        scope = {"type": "http", "path": path, "path_params": {"outer": "1"}}
        same(pure, compiled, "match_path", pattern, convertors, path, scope, compare_args=False)
    mount = same(
        pure, compiled, "compile_path", route.rstrip("/") + "/{path:path}", compare_args=False, key=route_shape
    )
    if mount is not None:
        pattern, _, convertors = mount
        scope = {"type": "http", "path": path}
        same(pure, compiled, "match_mount", pattern, convertors, path, scope, compare_args=False)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "datastructures": datastructures_one,
    "responses": responses_one,
    "routing": routing_one,
    "websockets": websockets_one,
}


def instrument(module: ModuleType) -> int:
    """Give atheris' coverage instrumentation to the functions defined in ``module``; how many."""
    count = 0
    for value in vars(module).values():
        functions = [value] if isinstance(value, FunctionType) else []
        if isinstance(value, type):
            functions = [item for item in vars(value).values() if isinstance(item, FunctionType)]
        for function in functions:
            if function.__module__ == module.__name__:
                atheris.instrument_func(function)
                count += 1
    return count


def main() -> None:
    name = sys.argv.pop(1)
    pure, _ = twins(name)
    # NOTE: only the pure twin is instrumented: atheris.instrument_all() takes minutes on everything imported.
    print(f"atheris: {instrument(pure)} functions of {pure.__name__} instrumented", file=sys.stderr)
    atheris.Setup(sys.argv, TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
