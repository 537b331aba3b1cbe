"""StaticFiles never serves anything outside its directories, whatever the request path looks like."""

from __future__ import annotations

import ntpath
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from starlette_c.applications import Starlette
from starlette_c.routing import Mount
from starlette_c.staticfiles import StaticFiles
from tests.differential.harness import Outcome, Req, run_app


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """``static/`` is served; ``static_secrets/`` and ``private/`` sit next to it."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "public.txt").write_text("public")
    (tmp_path / "static_secrets").mkdir()
    (tmp_path / "static_secrets" / "key.txt").write_text("secret key")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "passwords.txt").write_text("hunter2")
    return tmp_path


def mounted(directory: Path, **options: Any) -> Starlette:
    return Starlette(routes=[Mount("/static", app=StaticFiles(directory=directory, **options))])


async def get(app: Starlette, path: str) -> Outcome:
    return await run_app(app, Req("GET", path))


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    [
        "/static/../static_secrets/key.txt",
        "/static/../private/passwords.txt",
        "/static/public.txt/../../private/passwords.txt",
        "/static/./../private/passwords.txt",
        "/static//../private/passwords.txt",
        "/static/..\\private\\passwords.txt",
        "/static/%2e%2e/private/passwords.txt",
        "/static/..%2fprivate%2fpasswords.txt",
    ],
)
async def test_traversal_is_not_found(layout: Path, path: str) -> None:
    """GHSA-v5gw-mw7f-84px: ``..`` (plain, encoded, or with backslashes) cannot leave the directory."""
    outcome = await get(mounted(layout / "static"), path)
    assert outcome.status == 404
    assert b"secret" not in outcome.body and b"hunter2" not in outcome.body


def test_directory_with_a_common_string_prefix_is_outside(layout: Path) -> None:
    """GHSA-v5gw-mw7f-84px: ``static_secrets`` starts with ``static`` yet is not inside it."""
    app = StaticFiles(directory=layout / "static")
    assert app.lookup_path("../static_secrets/key.txt") == ("", None)
    assert app.lookup_path("public.txt")[0] == os.path.realpath(layout / "static" / "public.txt")


def test_absolute_paths_are_refused_even_inside_the_directory(layout: Path) -> None:
    """GHSA-wqp7-x3pw-xc5r: an absolute path never replaces the served directory."""
    app = StaticFiles(directory=layout / "static")
    assert app.lookup_path(str(layout / "private" / "passwords.txt")) == ("", None)
    assert app.lookup_path(str(layout / "static" / "public.txt")) == ("", None)


@pytest.mark.parametrize(
    "path", ["\\\\attacker\\share\\file.txt", "C:\\Windows\\win.ini", "C:win.ini", "/etc/passwd", "\\Windows\\win.ini"]
)
@pytest.mark.parametrize("windows", [True, False], ids=["ntpath", "posixpath"])
def test_windows_unc_drive_and_absolute_paths_never_touch_the_file_system(
    layout: Path, monkeypatch: pytest.MonkeyPatch, path: str, windows: bool
) -> None:
    """GHSA-wqp7-x3pw-xc5r: with Windows path rules, UNC and drive paths are refused before any resolution
    (resolving a UNC path would already connect to the remote host)."""
    app = StaticFiles(directory=layout / "static")
    resolved: list[str] = []
    realpath, abspath = os.path.realpath, os.path.abspath

    def recording_realpath(path: str) -> str:
        if sys._getframe(1).f_globals["__name__"] == StaticFiles.__module__:
            resolved.append(path)
        return realpath(path)

    def recording_abspath(path: str) -> str:
        if sys._getframe(1).f_globals["__name__"] == StaticFiles.__module__:
            resolved.append(path)
        return abspath(path)

    if windows:
        monkeypatch.setattr(os.path, "isabs", ntpath.isabs)
        monkeypatch.setattr(os.path, "splitdrive", ntpath.splitdrive)
    elif ":" in path:
        pytest.skip("a drive letter is an ordinary file name character on POSIX")
    monkeypatch.setattr(os.path, "realpath", recording_realpath)
    monkeypatch.setattr(os.path, "abspath", recording_abspath)
    assert app.lookup_path(path) == ("", None)
    assert resolved == []


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/static//etc/passwd", "/static/\\\\attacker\\share\\x", "/static/C:/x"])
async def test_absolute_looking_request_paths_are_not_found(layout: Path, path: str) -> None:
    """GHSA-wqp7-x3pw-xc5r: request paths that look absolute are resolved below the directory, or not at all."""
    assert (await get(mounted(layout / "static"), path)).status == 404


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/static/public.txt\x00", "/static/\x00", "/static/\x00/public.txt"])
async def test_null_bytes_are_not_found(layout: Path, path: str) -> None:
    """Hardening: a null byte in the path is a 404, never a 500."""
    outcome = await get(mounted(layout / "static"), path)
    assert outcome.status == 404
    assert outcome.exception is None


@pytest.mark.anyio
async def test_overlong_names_are_not_found(layout: Path) -> None:
    outcome = await get(mounted(layout / "static"), "/static/" + "a" * 5000)
    assert outcome.status == 404


@pytest.mark.anyio
async def test_symlinks_leaving_the_directory_are_refused_unless_followed(layout: Path) -> None:
    static = layout / "static"
    (static / "link.txt").symlink_to(layout / "private" / "passwords.txt")
    (static / "linked_dir").symlink_to(layout / "private", target_is_directory=True)
    for path in ("/static/link.txt", "/static/linked_dir/passwords.txt"):
        assert (await get(mounted(static), path)).status == 404
        followed = await get(mounted(static, follow_symlink=True), path)
        assert (followed.status, followed.body) == (200, b"hunter2")


@pytest.mark.anyio
async def test_following_symlinks_still_refuses_traversal(layout: Path) -> None:
    outcome = await get(mounted(layout / "static", follow_symlink=True), "/static/../private/passwords.txt")
    assert outcome.status == 404
    app = StaticFiles(directory=layout / "static", follow_symlink=True)
    assert app.lookup_path("../static_secrets/key.txt") == ("", None)


@pytest.mark.anyio
async def test_symlink_loops_are_not_found(layout: Path) -> None:
    static = layout / "static"
    (static / "loop").symlink_to(static / "loop")
    assert (await get(mounted(static), "/static/loop")).status == 404
    assert (await get(mounted(static, follow_symlink=True), "/static/loop")).status == 404


@pytest.mark.anyio
async def test_html_mode_fallbacks_stay_inside(layout: Path) -> None:
    (layout / "index.html").write_text("outside index")
    (layout / "404.html").write_text("outside 404")
    app = Starlette(routes=[Mount("/static", app=StaticFiles(directory=layout / "static", html=True))])
    for path in ("/static/", "/static/..", "/static/../", "/static/missing"):
        outcome = await get(app, path)
        assert outcome.status == 404
        assert b"outside" not in outcome.body
