"""``StaticFiles``: serve the files of one or more directories, with revalidation and optional HTML pages."""

from __future__ import annotations

import errno
import importlib.util
import os
import stat
from email.utils import parsedate
from typing import Union

import anyio.to_thread

from starlette_c._utils import get_route_path
from starlette_c.datastructures import URL, Headers
from starlette_c.exceptions import HTTPException
from starlette_c.responses import FileResponse, RedirectResponse, Response
from starlette_c.types import Receive, Scope, Send
from starlette_c.websockets import WebSocketClose

PathLike = Union[str, "os.PathLike[str]"]

_SERVED_METHODS = ("GET", "HEAD")
# NOTE: a name too long or a symlink loop in the requested path means "not found", not a server error.
_NOT_FOUND_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ELOOP})


class NotModifiedResponse(Response):
    """A 304 carrying only the cache-related headers of the response it replaces."""

    NOT_MODIFIED_HEADERS = ("cache-control", "content-location", "date", "etag", "expires", "vary")

    def __init__(self, headers: Headers):
        kept = {name: value for name, value in headers.items() if name in self.NOT_MODIFIED_HEADERS}
        super().__init__(status_code=304, headers=kept)


def _statics_of(package: str | tuple[str, str]) -> str:
    """The static directory of ``package``: ``"statics"`` next to its module, or the one named in the tuple."""
    name, folder = package if isinstance(package, tuple) else (package, "statics")
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, f"Package {name!r} could not be found."
    found = os.path.normpath(os.path.join(spec.origin, os.pardir, folder))
    assert os.path.isdir(found), f"Directory '{folder!r}' in package {name!r} could not be found."
    return found


def _is_rooted(path: str) -> bool:
    """Absolute here or on Windows (a leading slash or backslash, a drive, a UNC share)."""
    return path.startswith(("/", "\\")) or os.path.isabs(path) or bool(os.path.splitdrive(path)[0])


def _is_file(found: os.stat_result | None) -> bool:
    return found is not None and stat.S_ISREG(found.st_mode)


class StaticFiles:
    """Serve ``directory`` and the static folders of ``packages``; with ``html``, index pages and ``404.html``."""

    def __init__(self, *, directory: PathLike | None = None, packages: list[str | tuple[str, str]] | None = None,
                 html: bool = False, check_dir: bool = True, follow_symlink: bool = False) -> None:  # fmt: skip
        self.directory, self.packages = directory, packages
        self.html, self.follow_symlink = html, follow_symlink
        self.all_directories = self.get_directories(directory, packages)
        self.config_checked = False
        if directory is not None and check_dir and not os.path.isdir(directory):
            raise RuntimeError(f"Directory '{directory}' does not exist")

    def get_directories(self, directory: PathLike | None = None,
                        packages: list[str | tuple[str, str]] | None = None) -> list[PathLike]:  # fmt: skip
        """The directories to serve from: ``directory``, then the static directory of each package, in order."""
        found: list[PathLike] = [] if directory is None else [directory]
        found.extend(_statics_of(package) for package in packages or ())
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # NOTE: a websocket handshake is refused with a close, as a route-less websocket would be.
            return await WebSocketClose()(scope, receive, send)
        assert scope["type"] == "http"
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        response = await self.get_response(self.get_path(scope), scope)
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """The requested path below the mount point, normalized and relative (``"."`` for the root)."""
        segments = [segment for segment in get_route_path(scope).split("/") if segment]
        return os.path.normpath(os.path.join(*segments)) if segments else os.curdir

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] not in _SERVED_METHODS:
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(_SERVED_METHODS)})
        full_path, found = await self._find(path)
        if _is_file(found):
            assert found is not None
            return self.file_response(full_path, found, scope)
        if self.html and found is not None and stat.S_ISDIR(found.st_mode):
            index_path, index = await self._find(os.path.join(path, "index.html"))
            if _is_file(index):
                assert index is not None
                if scope["path"].endswith("/"):
                    return self.file_response(index_path, index, scope)
                url = URL(scope=scope)
                return RedirectResponse(url=url.replace(path=f"{url.path}/"))
        if self.html:
            page_path, page = await self._find("404.html")
            if _is_file(page):
                return FileResponse(page_path, stat_result=page, status_code=404)
        raise HTTPException(status_code=404)

    async def _find(self, path: str) -> tuple[str, os.stat_result | None]:
        """``lookup_path`` in a worker thread, its file system errors told apart as 401, 404 or raised."""
        try:
            return await anyio.to_thread.run_sync(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(status_code=401)
        except ValueError:
            # NOTE: null bytes and paths that cannot be compared with the directory are not found, not a 500.
            raise HTTPException(status_code=404)
        except OSError as exc:
            if exc.errno in _NOT_FOUND_ERRNOS:
                raise HTTPException(status_code=404)
            raise

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The first file or directory named ``path`` inside one of the directories, as ``(full_path, stat)``.

        ``("", None)`` when there is none, or when ``path`` would lead outside every directory.
        """
        # NOTE: rooted paths are refused before any file system access (GHSA-wqp7-x3pw-xc5r).
        if _is_rooted(path):
            return "", None
        resolve = os.path.abspath if self.follow_symlink else os.path.realpath
        for directory in self.all_directories:
            root = resolve(directory)
            candidate = resolve(os.path.join(directory, path))
            # NOTE: whole path components are compared; a string prefix would let "/static" admit "/static-x".
            if os.path.commonpath([candidate, root]) != str(root):
                continue
            try:
                return candidate, os.stat(candidate)
            except (FileNotFoundError, NotADirectoryError):
                pass
        return "", None

    def file_response(self, full_path: PathLike, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:  # fmt: skip
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response

    async def check_config(self) -> None:
        """Fail on the first request when the directory is missing or is not a directory (``check_dir=False``)."""
        if self.directory is None:
            return
        try:
            found = await anyio.to_thread.run_sync(os.stat, self.directory)
        except FileNotFoundError:
            raise RuntimeError(f"StaticFiles directory '{self.directory}' does not exist.")
        if not (stat.S_ISDIR(found.st_mode) or stat.S_ISLNK(found.st_mode)):
            raise RuntimeError(f"StaticFiles path '{self.directory}' is not a directory.")

    def is_not_modified(self, response_headers: Headers, request_headers: Headers) -> bool:
        """Whether the client's copy is current: by its ETags when it sends any, else by its date."""
        wanted_tags = request_headers.get("if-none-match")
        # NOTE: an empty If-None-Match counts as absent (the date decides), as in Starlette.
        if wanted_tags:
            if wanted_tags.strip() == "*":
                return True
            etag = response_headers.get("etag")
            return etag is not None and any(tag.strip().removeprefix("W/") == etag for tag in wanted_tags.split(","))
        since = parsedate(request_headers.get("if-modified-since", ""))
        modified = parsedate(response_headers.get("last-modified", ""))
        return since is not None and modified is not None and since >= modified
