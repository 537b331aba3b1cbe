"""Parsers for form bodies (``application/x-www-form-urlencoded`` and ``multipart/form-data``).

Both drive python-multipart's incremental parsers over the request stream and enforce their limits
while the body arrives, so an oversized or hostile body is refused before it is buffered.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from enum import Enum
from tempfile import SpooledTemporaryFile
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from starlette_c.datastructures import FormData, Headers, UploadFile

try:
    import python_multipart as multipart
    from python_multipart.multipart import parse_options_header as parse_options_header
except ImportError:  # pragma: no cover (only python-multipart < 0.0.13 lacks the `python_multipart` name)
    try:
        import multipart  # type: ignore[no-redef]
        from multipart.multipart import parse_options_header as parse_options_header  # type: ignore[no-redef]
    except ImportError:
        multipart = None  # type: ignore[assignment]
        parse_options_header = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks, QuerystringCallbacks

_MISSING_LIBRARY = "The `python-multipart` library must be installed to use form parsing."

# NOTE: per part; recent python-multipart releases enforce the same limits themselves, older ones do not.
_MAX_PART_HEADERS = 8
_MAX_PART_HEADER_SIZE = 4224


class FormMessage(Enum):
    FIELD_START = 1
    FIELD_NAME = 2
    FIELD_DATA = 3
    FIELD_END = 4
    END = 5


@dataclass
class MultipartPart:
    content_disposition: bytes | None = None
    field_name: str = ""
    data: bytearray = field(default_factory=bytearray)
    file: UploadFile | None = None
    item_headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def _user_safe_decode(src: bytes | bytearray, codec: str) -> str:
    try:
        return src.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return src.decode("latin-1")


class MultiPartException(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _too_many_fields(max_fields: int | float) -> MultiPartException:
    return MultiPartException(f"Too many fields. Maximum number of fields is {max_fields}.")


def _part_too_large(max_part_size: int) -> MultiPartException:
    return MultiPartException(f"Part exceeded maximum size of {int(max_part_size / 1024)}KB.")


class FormParser:
    """``application/x-www-form-urlencoded``: only ``&`` separates fields; names and values are unquoted."""

    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        assert multipart is not None, _MISSING_LIBRARY
        self.headers = headers
        self.stream = stream
        self.max_fields = max_fields
        self.max_part_size = max_part_size
        self.messages: list[tuple[FormMessage, bytes]] = []
        self._items: list[tuple[str, str | UploadFile]] = []
        self._name = bytearray()
        self._value = bytearray()

    def on_field_start(self) -> None:
        self.messages.append((FormMessage.FIELD_START, b""))

    def on_field_name(self, data: bytes, start: int, end: int) -> None:
        self.messages.append((FormMessage.FIELD_NAME, data[start:end]))

    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        self.messages.append((FormMessage.FIELD_DATA, data[start:end]))

    def on_field_end(self) -> None:
        self.messages.append((FormMessage.FIELD_END, b""))

    def on_end(self) -> None:
        self.messages.append((FormMessage.END, b""))

    def _consume_messages(self) -> None:
        # NOTE: GHSA-82w8-qh3p-5jfq: the limits hold after every chunk, not once the whole body is in.
        for kind, data in self.messages:
            if kind is FormMessage.FIELD_START:
                self._name = bytearray()
                self._value = bytearray()
            elif kind is FormMessage.FIELD_NAME:
                self._name += data
            elif kind is FormMessage.FIELD_DATA:
                self._value += data
            elif kind is FormMessage.FIELD_END:
                if len(self._items) >= self.max_fields:
                    raise _too_many_fields(self.max_fields)
                name = unquote_plus(self._name.decode("latin-1"))
                value = unquote_plus(self._value.decode("latin-1"))
                self._items.append((name, value))
            if len(self._name) + len(self._value) > self.max_part_size:
                raise _part_too_large(self.max_part_size)
        self.messages.clear()

    async def parse(self) -> FormData:
        callbacks: QuerystringCallbacks = {
            "on_field_start": self.on_field_start,
            "on_field_name": self.on_field_name,
            "on_field_data": self.on_field_data,
            "on_field_end": self.on_field_end,
            "on_end": self.on_end,
        }
        parser = multipart.QuerystringParser(callbacks)
        async with aclosing(self.stream):
            async for chunk in self.stream:
                if chunk:
                    parser.write(chunk)
                    self._consume_messages()
        parser.finalize()
        self._consume_messages()
        return FormData(self._items)


class MultiPartParser:
    """``multipart/form-data``: text fields are decoded in memory, files spool to anonymous temporary files."""

    spool_max_size = 1024 * 1024
    max_part_size = 1024 * 1024

    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        assert multipart is not None, _MISSING_LIBRARY
        self.headers = headers
        self.stream = stream
        self.max_files = max_files
        self.max_fields = max_fields
        self.max_part_size = max_part_size
        self.items: list[tuple[str, str | UploadFile]] = []
        self._current_files = 0
        self._current_fields = 0
        self._current_partial_header_name = b""
        self._current_partial_header_value = b""
        self._current_part = MultipartPart()
        self._charset = ""
        self._pending_writes: list[tuple[UploadFile, bytes]] = []
        self._pending_rewinds: list[UploadFile] = []
        self._files_to_close_on_error: list[SpooledTemporaryFile[bytes]] = []

    def on_part_begin(self) -> None:
        self._current_part = MultipartPart()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        part = self._current_part
        if part.file is None:
            # NOTE: CVE-2024-47874: a text field is refused as soon as it outgrows the limit.
            if len(part.data) + len(chunk) > self.max_part_size:
                raise _part_too_large(self.max_part_size)
            part.data += chunk
        else:
            self._pending_writes.append((part.file, chunk))

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            self.items.append((part.field_name, _user_safe_decode(part.data, self._charset)))
        else:
            self._pending_rewinds.append(part.file)
            self.items.append((part.field_name, part.file))

    def _check_header_size(self) -> None:
        if len(self._current_partial_header_name) + len(self._current_partial_header_value) > _MAX_PART_HEADER_SIZE:
            raise MultiPartException("Part header exceeded maximum size.")

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._current_partial_header_name += data[start:end]
        self._check_header_size()

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._current_partial_header_value += data[start:end]
        self._check_header_size()

    def on_header_end(self) -> None:
        part = self._current_part
        if len(part.item_headers) >= _MAX_PART_HEADERS:
            raise MultiPartException("Too many part headers.")
        name = self._current_partial_header_name.lower()
        value = self._current_partial_header_value
        if name == b"content-disposition":
            part.content_disposition = value
        part.item_headers.append((name, value))
        self._current_partial_header_name = b""
        self._current_partial_header_value = b""

    def on_headers_finished(self) -> None:
        part = self._current_part
        _, options = parse_options_header(part.content_disposition)
        try:
            part.field_name = _user_safe_decode(options[b"name"], self._charset)
        except KeyError:
            raise MultiPartException('The Content-Disposition header field "name" must be provided.')
        if b"filename" in options:
            self._current_files += 1
            if self._current_files > self.max_files:
                raise MultiPartException(f"Too many files. Maximum number of files is {self.max_files}.")
            # NOTE: the upload spools to an anonymous file; the client's filename never names a path on disk.
            spool: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=self.spool_max_size)  # noqa: SIM115
            self._files_to_close_on_error.append(spool)
            part.file = UploadFile(
                file=spool,  # type: ignore[arg-type]
                size=0,
                filename=_user_safe_decode(options[b"filename"], self._charset),
                headers=Headers(raw=part.item_headers),
            )
        else:
            self._current_fields += 1
            if self._current_fields > self.max_fields:
                raise _too_many_fields(self.max_fields)
            part.file = None

    def on_end(self) -> None:
        pass

    async def _flush_files(self) -> None:
        for upload, data in self._pending_writes:
            await upload.write(data)
        for upload in self._pending_rewinds:
            await upload.seek(0)
        self._pending_writes.clear()
        self._pending_rewinds.clear()

    def _close_files(self) -> None:
        for file in self._files_to_close_on_error:
            file.close()

    async def parse(self) -> FormData:
        _, params = parse_options_header(self.headers["Content-Type"])
        self._charset = params.get(b"charset", b"utf-8").decode("latin-1")
        try:
            boundary = params[b"boundary"]
        except KeyError:
            raise MultiPartException("Missing boundary in multipart.")
        callbacks: MultipartCallbacks = {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }
        try:
            parser = multipart.MultipartParser(boundary, callbacks)
            async with aclosing(self.stream):
                async for chunk in self.stream:
                    parser.write(chunk)
                    await self._flush_files()
            parser.finalize()
        except multipart.exceptions.FormParserError as exc:
            # NOTE: a body python-multipart cannot parse is the client's fault (400), not a server error.
            self._close_files()
            raise MultiPartException(f"Malformed multipart body: {exc}") from exc
        except BaseException:
            self._close_files()
            raise
        return FormData(self.items)
