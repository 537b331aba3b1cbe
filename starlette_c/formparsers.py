"""Form body parsers driving python-multipart's incremental parsers over a request stream.

`FormParser` reads ``application/x-www-form-urlencoded`` bodies and `MultiPartParser` ``multipart/form-data``
ones. Every limit is checked inside python-multipart's callbacks, so a body is refused part-way through the
chunk that crosses a limit, however large that chunk is, and nothing past the limit is buffered.
"""

from __future__ import annotations

import codecs
import io
import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing, suppress
from dataclasses import dataclass, field
from enum import Enum
from tempfile import SpooledTemporaryFile as SpooledTemporaryFile  # NOTE: patched by tests: read at call time
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote_plus

from starlette_c.datastructures import FormData, Headers, UploadFile
from starlette_c.exceptions import StarletteDeprecationWarning

if sys.version_info >= (3, 13):  # pragma: no cover (taken on Python >= 3.13 only)
    from warnings import deprecated
else:  # pragma: no cover (taken on Python < 3.13 only)
    from typing_extensions import deprecated

try:
    import python_multipart as multipart
    from python_multipart.exceptions import FormParserError as FormParserError
    from python_multipart.multipart import parse_options_header as parse_options_header
except ModuleNotFoundError:  # pragma: no cover (python-multipart is an optional dependency, installed for the tests)
    multipart = None  # type: ignore[assignment]
    FormParserError = None  # type: ignore[assignment,misc]
    parse_options_header = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks, QuerystringCallbacks

_NEEDS_MULTIPART = "The `python-multipart` library must be installed to use form parsing."


@deprecated(
    "`FormMessage` is deprecated and will be removed in a future version.", category=StarletteDeprecationWarning
)
class FormMessage(Enum):
    """The events `FormParser` once queued per chunk; unused since its callbacks build each field themselves."""

    FIELD_START = 1
    FIELD_NAME = 2
    FIELD_DATA = 3
    FIELD_END = 4
    END = 5


class MultiPartException(Exception):
    """A form body the parsers refuse; `message` is what the client is told (``Request.form()`` answers 400)."""

    def __init__(self, message: str) -> None:
        self.message = message


def _size_error(kind: str, limit: int) -> MultiPartException:
    return MultiPartException(f"{kind} exceeded maximum size of {int(limit / 1024)}KB.")


def _count_error(what: str, limit: int | float) -> MultiPartException:
    return MultiPartException(f"Too many {what}. Maximum number of {what} is {limit}.")


# The python-multipart events each parser handles, with an ``on_<event>`` method of the same name.
_QUERYSTRING_EVENTS = ("field_start", "field_name", "field_data", "field_end")
_MULTIPART_EVENTS = (
    "part_begin",
    "header_field",
    "header_value",
    "header_end",
    "headers_finished",
    "part_data",
    "part_end",
    "end",
)


def _callbacks(parser: object, events: tuple[str, ...]) -> dict[str, Callable[..., None]]:
    return {f"on_{event}": getattr(parser, f"on_{event}") for event in events}


def _unquote(raw: bytearray) -> str:
    return unquote_plus(raw.decode("latin-1"))


class FormParser:
    """``application/x-www-form-urlencoded``: fields split on ``&`` only, each name and value unquoted once whole."""

    # fmt: off
    def __init__(
        self, headers: Headers, stream: AsyncGenerator[bytes, None],
        *, max_fields: int | float = 1000, max_part_size: int = 1024 * 1024,
    ) -> None:
        # fmt: on
        assert multipart is not None, _NEEDS_MULTIPART
        self.headers, self.stream = headers, stream
        self.max_fields, self.max_part_size = max_fields, max_part_size
        self._pairs: list[tuple[str, str | UploadFile]] = []
        # NOTE: named as Starlette names them: its tests read the count and the value buffer after a limit hit.
        self._current_fields = 0
        self._field_name = bytearray()
        self._field_value = bytearray()

    def _grow(self, target: bytearray, data: bytes, start: int, end: int) -> None:
        # NOTE: name and value share the field's size budget (raw bytes, before unquoting).
        if len(self._field_name) + len(self._field_value) + end - start > self.max_part_size:
            raise _size_error("Field", self.max_part_size)
        # PERF: a memoryview appends the slice without first copying it out of a possibly huge chunk.
        target += memoryview(data)[start:end]

    def on_field_start(self) -> None:
        del self._field_name[:], self._field_value[:]

    def on_field_name(self, data: bytes, start: int, end: int) -> None:
        self._grow(self._field_name, data, start, end)

    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        self._grow(self._field_value, data, start, end)

    def on_field_end(self) -> None:
        self._current_fields += 1
        if self._current_fields > self.max_fields:
            raise _count_error("fields", self.max_fields)
        self._pairs.append((_unquote(self._field_name), _unquote(self._field_value)))

    async def parse(self) -> FormData:
        parser = multipart.QuerystringParser(cast("QuerystringCallbacks", _callbacks(self, _QUERYSTRING_EVENTS)))
        async with aclosing(self.stream) as chunks:
            async for chunk in chunks:
                parser.write(chunk)
        # NOTE: finalize() ends the last field even when the stream stopped without an empty chunk.
        parser.finalize()
        return FormData(self._pairs)


@dataclass
class MultipartPart:
    """The multipart part being parsed: its headers so far, then its text or its upload."""

    content_disposition: bytes | None = None
    field_name: str = ""
    data: bytearray = field(default_factory=bytearray)
    file: UploadFile | None = None
    item_headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def _charset_of(params: dict[bytes, bytes]) -> str:
    """The codec the body's names and text fields are read with: the declared charset, or latin-1 if unknown."""
    declared = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        return codecs.lookup(declared).name
    except LookupError:
        return "latin-1"


def _fit_spool(file: Any) -> None:
    """Fit an in-memory upload's buffer to its content (``BytesIO.getvalue()`` does, the value is not needed)."""
    # PERF: CPython's BytesIO then hands out that buffer itself when the whole upload is read (a later write copies
    # it first): a 1 MiB upload read whole costs no 1 MiB copy, nor the fresh pages it would be copied into.
    buffer = getattr(file, "_file", None)
    if isinstance(buffer, io.BytesIO):
        buffer.getvalue()


class MultiPartParser:
    """``multipart/form-data``: text fields are decoded in memory, files spool to anonymous temporary files."""

    spool_max_size = 1024 * 1024
    max_part_size = 1024 * 1024

    # fmt: off
    def __init__(
        self, headers: Headers, stream: AsyncGenerator[bytes, None],
        *, max_files: int | float = 1000, max_fields: int | float = 1000, max_part_size: int = 1024 * 1024,
    ) -> None:
        # fmt: on
        assert multipart is not None, _NEEDS_MULTIPART
        self.headers, self.stream = headers, stream
        self.max_files, self.max_fields, self.max_part_size = max_files, max_fields, max_part_size
        self.items: list[tuple[str, str | UploadFile]] = []
        self._charset = "utf-8"
        self._part = MultipartPart()
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._counts = {"files": 0, "fields": 0}
        # Every spool opened, closed if parsing fails (on success the FormData owns them).
        self._spools: list[SpooledTemporaryFile[bytes]] = []
        # NOTE: callbacks cannot await: file bytes wait here until the chunk that carried them is parsed.
        self._unwritten: list[tuple[UploadFile, memoryview]] = []
        self._finished_uploads: list[UploadFile] = []

    def _text(self, raw: bytes | bytearray) -> str:
        try:
            return raw.decode(self._charset)
        except (UnicodeDecodeError, LookupError):
            # NOTE: LookupError: a codec such as rot13 is found by name but cannot decode bytes to text.
            return raw.decode("latin-1")

    def _count(self, what: str, limit: int | float) -> None:
        self._counts[what] += 1
        if self._counts[what] > limit:
            raise _count_error(what, limit)

    def on_part_begin(self) -> None:
        self._part = MultipartPart()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        name, value = bytes(self._header_name).lower(), bytes(self._header_value)
        del self._header_name[:], self._header_value[:]
        if name == b"content-disposition":
            self._part.content_disposition = value
        self._part.item_headers.append((name, value))

    def on_headers_finished(self) -> None:
        part = self._part
        options = parse_options_header(part.content_disposition)[1]
        if b"name" not in options:
            raise MultiPartException('The Content-Disposition header field "name" must be provided.')
        part.field_name = self._text(options[b"name"])
        filename = options.get(b"filename")
        if filename is None:
            self._count("fields", self.max_fields)
            return
        self._count("files", self.max_files)
        # NOTE: the upload spools to an anonymous file: the client's filename never names a path on disk.
        spool: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=self.spool_max_size)  # noqa: SIM115
        self._spools.append(spool)
        headers = Headers(raw=part.item_headers)
        part.file = UploadFile(spool, size=0, filename=self._text(filename), headers=headers)  # type: ignore[arg-type]

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part.file is not None:
            # PERF: a view, not a copy: it is written before the next chunk is parsed, while ``data`` is alive.
            self._unwritten.append((part.file, memoryview(data)[start:end]))
        elif len(part.data) + end - start > self.max_part_size:
            raise _size_error("Part", self.max_part_size)
        else:
            part.data += memoryview(data)[start:end]

    def on_part_end(self) -> None:
        part = self._part
        if part.file is None:
            self.items.append((part.field_name, self._text(part.data)))
        else:
            self._finished_uploads.append(part.file)
            self.items.append((part.field_name, part.file))
            part.file = None

    def on_end(self) -> None:
        """The body's closing boundary: every part has already been handed over by `on_part_end`."""

    async def _write_files(self) -> None:
        for upload, data in self._unwritten:
            # NOTE: a view is what the spool's write takes as well as bytes; UploadFile.write is typed for bytes.
            await upload.write(data)  # type: ignore[arg-type]
        for upload in self._finished_uploads:
            _fit_spool(upload.file)
            await upload.seek(0)
        self._unwritten.clear()
        self._finished_uploads.clear()

    async def _feed(self, boundary: bytes) -> None:
        callbacks = cast("MultipartCallbacks", _callbacks(self, _MULTIPART_EVENTS))
        parser = multipart.MultipartParser(boundary, callbacks)
        async with aclosing(self.stream) as chunks:
            async for chunk in chunks:
                parser.write(chunk)
                await self._write_files()
        parser.finalize()

    async def parse(self) -> FormData:
        params = parse_options_header(self.headers["Content-Type"])[1]
        boundary = params.get(b"boundary")
        if boundary is None:
            raise MultiPartException("Missing boundary in multipart.")
        self._charset = _charset_of(params)
        try:
            await self._feed(boundary)
        except BaseException as exc:
            for spool in self._spools:
                # NOTE: a spool that fails to close (OSError) must not hide why parsing stopped.
                with suppress(OSError):
                    spool.close()
            if isinstance(exc, FormParserError):
                # NOTE: input python-multipart rejects is the client's fault: a 400, not a crash.
                raise MultiPartException("Invalid multipart data.") from exc
            raise
        unfinished = self._part.file
        if unfinished is not None:
            # NOTE: a body that ends inside a file part drops the part (as Starlette does); its spool is closed now,
            # not left to the garbage collector with a file descriptor if it had rolled over to disk.
            unfinished.file.close()
        return FormData(self.items)
