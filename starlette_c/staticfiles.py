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

PathLike = Union[str, "os.PathLike[str]"]

# NOTE: a name too long or a symlink loop in the requested path means "not found", not a server error.
_NOT_FOUND_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ELOOP})


class NotModifiedResponse(Response):
    NOT_MODIFIED_HEADERS = (
        "cache-control",
        "content-location",
        "date",
        "etag",
        "expires",
        "vary",
    )

    def __init__(self, headers: Headers):
        super().__init__(
            status_code=304,
            headers={name: value for name, value in headers.items() if name in self.NOT_MODIFIED_HEADERS},
        )


class StaticFiles:
    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: list[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.packages = packages
        self.all_directories = self.get_directories(directory, packages)
        self.html = html
        self.config_checked = False
        self.follow_symlink = follow_symlink
        if check_dir and directory is not None and not os.path.isdir(directory):
            raise RuntimeError(f"Directory '{directory}' does not exist")

    def get_directories(
        self,
        directory: PathLike | None = None,
        packages: list[str | tuple[str, str]] | None = None,
    ) -> list[PathLike]:
        """The directories to serve from: ``directory``, then the static directory of each package, in order."""
        directories: list[PathLike] = []
        if directory is not None:
            directories.append(directory)
        for package in packages or []:
            if isinstance(package, tuple):
                package, statics_dir = package
            else:
                statics_dir = "statics"
            spec = importlib.util.find_spec(package)
            assert spec is not None and spec.origin is not None, f"Package {package!r} could not be found."
            package_directory = os.path.normpath(os.path.join(spec.origin, "..", statics_dir))
            assert os.path.isdir(package_directory), (
                f"Directory '{statics_dir!r}' in package {package!r} could not be found."
            )
            directories.append(package_directory)
        return directories

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        path = self.get_path(scope)
        response = await self.get_response(path, scope)
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """The requested path below the mount point, normalized and relative (``"."`` for the root)."""
        route_path = get_route_path(scope)
        return os.path.normpath(os.path.join(*route_path.split("/")))

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405)

        try:
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(status_code=401)
        except ValueError:
            # NOTE: null bytes and paths that cannot be compared with the directory are not found, not a 500.
            raise HTTPException(status_code=404)
        except OSError as exc:
            if exc.errno in _NOT_FOUND_ERRNOS:
                raise HTTPException(status_code=404)
            raise

        if stat_result and stat.S_ISREG(stat_result.st_mode):
            return self.file_response(full_path, stat_result, scope)

        if stat_result and stat.S_ISDIR(stat_result.st_mode) and self.html:
            index_path = os.path.join(path, "index.html")
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, index_path)
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                if not scope["path"].endswith("/"):
                    url = URL(scope=scope)
                    return RedirectResponse(url=url.replace(path=url.path + "/"))
                return self.file_response(full_path, stat_result, scope)

        if self.html:
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, "404.html")
            if stat_result and stat.S_ISREG(stat_result.st_mode):
                return FileResponse(full_path, stat_result=stat_result, status_code=404)
        raise HTTPException(status_code=404)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The first file or directory named ``path`` inside one of the directories, as ``(full_path, stat)``.

        ``("", None)`` when there is none, or when ``path`` would lead outside every directory.
        """
        # NOTE: absolute, drive and UNC paths are refused before any file system access (GHSA-wqp7-x3pw-xc5r).
        if os.path.isabs(path) or os.path.splitdrive(path)[0]:
            return "", None
        for directory in self.all_directories:
            joined_path = os.path.join(directory, path)
            if self.follow_symlink:
                full_path = os.path.abspath(joined_path)
                directory = os.path.abspath(directory)
            else:
                full_path = os.path.realpath(joined_path)
                directory = os.path.realpath(directory)
            # NOTE: compare whole path components; a string prefix would let "/static" admit "/static-secrets".
            if os.path.commonpath([full_path, directory]) != str(directory):
                continue
            try:
                return full_path, os.stat(full_path)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return "", None

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        request_headers = Headers(scope=scope)
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        if self.is_not_modified(response.headers, request_headers):
            return NotModifiedResponse(response.headers)
        return response

    async def check_config(self) -> None:
        """Fail on the first request when the directory is missing or is not a directory (``check_dir=False``)."""
        if self.directory is None:
            return
        try:
            stat_result = await anyio.to_thread.run_sync(os.stat, self.directory)
        except FileNotFoundError:
            raise RuntimeError(f"StaticFiles directory '{self.directory}' does not exist.")
        if not (stat.S_ISDIR(stat_result.st_mode) or stat.S_ISLNK(stat_result.st_mode)):
            raise RuntimeError(f"StaticFiles path '{self.directory}' is not a directory.")

    def is_not_modified(self, response_headers: Headers, request_headers: Headers) -> bool:
        """Whether the client's cached copy is current: its ETags, else its ``If-Modified-Since`` date."""
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is not None:
            etag = response_headers.get("etag")
            return etag is not None and etag in _entity_tags(if_none_match)
        if_modified_since = parsedate(request_headers.get("if-modified-since", ""))
        last_modified = parsedate(response_headers.get("last-modified", ""))
        return if_modified_since is not None and last_modified is not None and if_modified_since >= last_modified


def _entity_tags(header: str) -> list[str]:
    """The tags of an ``If-None-Match`` header, weak ones (``W/"x"``) compared as strong."""
    tags = []
    for tag in header.split(","):
        tag = tag.strip()
        tags.append(tag[2:] if tag.startswith("W/") else tag)
    return tags
