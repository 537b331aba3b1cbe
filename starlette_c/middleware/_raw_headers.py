"""Edits of raw ASGI header lists with the semantics of ``MutableHeaders``, without building one.

PERF: a middleware that adds a header or two to a response start edits the ``(name, value)`` pairs
directly. Names are given as ``MutableHeaders`` stores them: lower-cased bytes (``set_header`` takes ``str``
names and values, as ``MutableHeaders.__setitem__`` does). The one implementation
is the datastructures twin's; these are its names as the middleware know them.
"""

from __future__ import annotations

from starlette_c._backend import datastructures as _algo

RawHeaders = list[tuple[bytes, bytes]]

get_value = _algo.raw_get
set_value = _algo.raw_set
set_header = _algo.header_set
delete = _algo.raw_delete
add_vary = _algo.raw_add_vary
