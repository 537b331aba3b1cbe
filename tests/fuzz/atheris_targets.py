"""Coverage-guided twin parity with atheris: ``python -m tests.fuzz.atheris_targets <module> [-runs=N]``.

``<module>`` is datastructures, responses or routing; each input is split into the arguments of that module's
parsers, run through both twins; a divergence raises (atheris saves the crashing input).
"""

from __future__ import annotations

import sys
from typing import Any

from tests.fuzz.atheris_websockets import websockets_one
from tests.fuzz.twins import same, twins


def datastructures_one(data: bytes) -> None:
    import atheris

    pure, compiled = twins("datastructures")
    fdp = atheris.FuzzedDataProvider(data)
    text = fdp.ConsumeUnicodeNoSurrogates(40)
    raw_text = fdp.ConsumeBytes(30)
    raw = [(part[:4].lower(), part[4:]) for part in raw_text.split(b"\n")]
    same(pure, compiled, "parse_query", text)
    same(pure, compiled, "usable_host", text)
    same(pure, compiled, "header_getlist", raw, text)
    same(pure, compiled, "header_set", raw, text, text)
    same(pure, compiled, "raw_add_vary", raw, raw_text)
    scope: dict[str, Any] = {"type": "http", "path": text, "headers": raw, "query_string": raw_text}
    same(pure, compiled, "url_from_scope", scope, key=lambda pair: pair[0])


def responses_one(data: bytes) -> None:
    import atheris

    pure, compiled = twins("responses")
    fdp = atheris.FuzzedDataProvider(data)
    size = fdp.ConsumeIntInRange(0, 2**40)
    spec = fdp.ConsumeUnicodeNoSurrogates(60)
    pairs = same(pure, compiled, "parse_byte_ranges", spec, size)
    if pairs is not None:
        same(pure, compiled, "merge_ranges", [pair for pair in pairs if pair[0] < pair[1]])


def routing_one(data: bytes) -> None:
    import atheris

    pure, compiled = twins("routing")
    fdp = atheris.FuzzedDataProvider(data)
    route = fdp.ConsumeUnicodeNoSurrogates(30)
    text = fdp.ConsumeUnicodeNoSurrogates(30)
    shape = same(pure, compiled, "compile_path", route, compare_args=False, key=lambda r: (r[0].pattern, r[1]))
    if shape is not None:
        pattern, _, convertors = shape
        scope = {"type": "http", "path": text}
        same(pure, compiled, "match_path", pattern, convertors, text, scope, compare_args=False)


TARGETS = {"datastructures": datastructures_one, "responses": responses_one, "routing": routing_one}
TARGETS["websockets"] = websockets_one


def main() -> None:
    import atheris

    name = sys.argv.pop(1)
    # NOTE: no coverage instrumentation: atheris.instrument_all() takes minutes here and the compiled side is not
    # instrumented anyway; this is libFuzzer's mutation engine without guidance.
    atheris.Setup(sys.argv, TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
