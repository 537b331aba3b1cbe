"""Edits of raw ASGI header lists with the semantics of ``MutableHeaders``, without building one.

PERF: a middleware that adds a header or two to a response start edits the ``(name, value)`` pairs
directly. Names are given as ``MutableHeaders`` stores them: lower-cased bytes.
"""

from __future__ import annotations

RawHeaders = list[tuple[bytes, bytes]]


def set_value(raw: RawHeaders, name: bytes, value: bytes) -> None:
    """``MutableHeaders(raw=raw)[name] = value``: replace the first ``name`` header and drop the others, or append."""
    for key, _ in raw:
        if key == name:
            break
    else:
        raw.append((name, value))
        return
    found = [index for index, (key, _) in enumerate(raw) if key == name]
    raw[found[0]] = (name, value)
    for index in reversed(found[1:]):
        del raw[index]


def delete(raw: RawHeaders, name: bytes) -> None:
    """``del MutableHeaders(raw=raw)[name]``: drop every ``name`` header."""
    raw[:] = [item for item in raw if item[0] != name]


def add_vary(raw: RawHeaders, vary: bytes) -> None:
    """``MutableHeaders(raw=raw).add_vary_header(vary)``: append ``vary`` to the first ``Vary`` value, or set it."""
    for key, value in raw:
        if key == b"vary":
            set_value(raw, b"vary", value + b", " + vary)
            return
    raw.append((b"vary", vary))
