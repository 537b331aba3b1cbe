"""StaticFiles against the reference: files, HTML mode, revalidation, and hostile paths."""

from __future__ import annotations

import os
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.harness import Namespace, Req, assert_same, run_both, run_websocket


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "docs").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "hello.txt").write_text("hello, world")
    (root / "data.json").write_text('{"a": 1}')
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "404.html").write_text("<h1>not found</h1>")
    (root / "docs" / "index.html").write_text("<h1>docs</h1>")
    (tmp_path / "static_private").mkdir()
    (tmp_path / "static_private" / "secret.txt").write_text("secret")
    (root / "outside.txt").symlink_to(tmp_path / "static_private" / "secret.txt")
    mtime = 1_700_000_000
    for path in [*root.rglob("*"), root]:
        os.utime(path, (mtime, mtime), follow_symlinks=False)
    return root


def builder(directory: Path, **options: Any) -> Callable[[Namespace], Any]:
    def build(ns: Namespace) -> Any:
        static = ns.staticfiles.StaticFiles(directory=directory, **options)
        return ns.applications.Starlette(routes=[ns.routing.Mount("/static", app=static, name="static")])

    return build


def etag_of(site: Path) -> bytes:
    reference, _ = run_both(builder(site), Req("GET", "/static/hello.txt"))
    return dict(reference.headers)[b"etag"]


ORDINARY = [
    Req("GET", "/static/hello.txt"),
    Req("HEAD", "/static/hello.txt"),
    Req("GET", "/static/data.json"),
    Req("GET", "/static/docs/index.html"),
    Req("GET", "/static/missing.txt"),
    Req("GET", "/static/"),
    Req("GET", "/static/docs"),
    Req("GET", "/static/docs/"),
    Req("GET", "/static/empty/"),
    Req("POST", "/static/hello.txt"),
    Req("PUT", "/static/missing.txt"),
    Req("GET", "/static/hello.txt", headers=[(b"range", b"bytes=0-4")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"Tue, 14 Nov 2023 22:13:20 GMT")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"Mon, 13 Nov 2023 00:00:00 GMT")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"Fri, 01 Jan 2100 00:00:00 GMT")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"yesterday")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-none-match", b'"nope"')]),
    Req("GET", "/static/hello.txt", headers=[(b"if-none-match", b"*")]),
    Req("GET", "/static/hello.txt", query_string=b"v=1"),
    Req("GET", "/prefix/static/hello.txt", root_path="/prefix"),
    Req("GET", "/prefix/static/docs", root_path="/prefix", query_string=b"a=1&b=%20"),
]

HOSTILE = [
    Req("GET", "/static/../static_private/secret.txt"),
    Req("GET", "/static/docs/../../static_private/secret.txt"),
    Req("GET", "/static/%2e%2e/static_private/secret.txt"),
    Req("GET", "/static/..%2fstatic_private%2fsecret.txt"),
    Req("GET", "/static/..\\static_private\\secret.txt"),
    Req("GET", "/static//etc/passwd"),
    Req("GET", "/static/outside.txt"),
    Req("GET", "/static/hello.txt\x00"),
    Req("GET", "/static/\x00"),
    Req("GET", "/static/" + "x" * 4096),
    Req("GET", "/static/hello.txt/"),
    Req("GET", "/static/hello.txt/child"),
    Req("GET", "/static/docs/./index.html"),
    Req("GET", "/static/C:/Windows/win.ini"),
    Req("GET", "/static/\\\\host\\share\\file"),
    Req("GET", "/static/hello.txt", headers=[(b"if-none-match", b"W/")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-none-match", b" , ,")]),
    Req("GET", "/static/hello.txt", headers=[(b"if-modified-since", b"Mon, 99 Foo 99999 99:99:99 GMT")]),
    Req("GET", "/static/hello.txt", headers=[(b"range", b"bytes=abc")]),
    Req("GET", "/static/docs", headers=[(b"host", b"evil.example:8080")]),
]


def test_ordinary_requests(site: Path) -> None:
    assert_same(builder(site), ORDINARY)


def test_hostile_requests(site: Path) -> None:
    assert_same(builder(site), HOSTILE)


@pytest.mark.parametrize("options", [{"html": True}, {"follow_symlink": True}, {"html": True, "follow_symlink": True}])
def test_modes(site: Path, options: dict[str, bool]) -> None:
    assert_same(builder(site, **options), ORDINARY + HOSTILE)


def test_revalidation_with_etags(site: Path) -> None:
    etag = etag_of(site)
    requests = [
        Req("GET", "/static/hello.txt", headers=[(b"if-none-match", value)])
        for value in (etag, b"W/" + etag, b'"a", ' + etag, b'"a",W/' + etag, etag.strip(b'"'))
    ]
    requests.append(Req("HEAD", "/static/hello.txt", headers=[(b"if-none-match", etag)]))
    requests.append(
        Req(
            "GET",
            "/static/hello.txt",
            headers=[(b"if-none-match", b'"other"'), (b"if-modified-since", b"Fri, 01 Jan 2100 00:00:00 GMT")],
        )
    )
    assert_same(builder(site), requests)


def test_trio_backend(site: Path) -> None:
    assert_same(builder(site, html=True), ORDINARY[:8], backend="trio")


def test_directly_mounted_app_raises_the_same_exceptions(site: Path) -> None:
    def build(ns: Namespace) -> Any:
        return ns.staticfiles.StaticFiles(directory=site)

    assert_same(build, [Req("GET", "/missing"), Req("DELETE", "/hello.txt"), Req("GET", "/hello.txt")])


# --- Starlette 1.1 to 1.8 items ---------------------------------------------------------------------------------


def test_method_not_allowed_names_the_allowed_methods(site: Path) -> None:
    requests = [Req(method, "/static/hello.txt") for method in ("POST", "PUT", "DELETE", "OPTIONS", "get")]
    assert_same(builder(site), requests)
    assert_same(builder(site, html=True), [Req("POST", "/static/missing"), Req("PATCH", "/static/docs")])


def test_standalone_if_none_match_star(site: Path) -> None:
    values = [b"*", b" * ", b'"x", *', b"*, *", b"W/*", b"**"]
    requests = [Req("GET", "/static/hello.txt", headers=[(b"if-none-match", value)]) for value in values]
    requests += [Req("HEAD", "/static/hello.txt", headers=[(b"if-none-match", b"*")])]
    requests += [Req("GET", "/static/missing.txt", headers=[(b"if-none-match", b"*")])]
    assert_same(builder(site), requests)
    assert_same(builder(site, html=True), [Req("GET", "/static/docs/", headers=[(b"if-none-match", b"*")])])


def test_weak_and_lowercase_etag_prefixes(site: Path) -> None:
    etag = etag_of(site)
    values = [b"W/" + etag, b"w/" + etag, b"W/ " + etag, b" W/" + etag + b" ", b"W/W/" + etag]
    assert_same(builder(site), [Req("GET", "/static/hello.txt", headers=[(b"if-none-match", v)]) for v in values])


def test_websocket_is_refused_with_a_close(site: Path) -> None:
    for package in ("starlette", "starlette_c"):
        ns = Namespace(package)
        direct = ns.staticfiles.StaticFiles(directory=site)
        unchecked = ns.staticfiles.StaticFiles(directory=site / "nowhere", check_dir=False)
        for app in (builder(site)(ns), direct, unchecked):
            sent = anyio.run(run_websocket, app, Req("GET", "/static/hello.txt"))
            assert sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]
        assert not unchecked.config_checked


def test_rooted_paths_are_refused_before_the_file_system(tmp_path: Path) -> None:
    (tmp_path / "\\x").write_text("backslash")
    (tmp_path / "C:x").write_text("drive-like name")
    (tmp_path / "a\\b").write_text("inner backslash")
    (tmp_path / "C:").mkdir()
    (tmp_path / "C:" / "y").write_text("drive-like folder")
    import starlette.staticfiles

    import starlette_c.staticfiles

    for path in ["\\x", "C:x", "a\\b", "C:/y", "/x", "//x", "\\\\srv\\share", "/etc/passwd", "\\..\\x"]:
        reference = starlette.staticfiles.StaticFiles(directory=tmp_path).lookup_path(path)
        ours = starlette_c.staticfiles.StaticFiles(directory=tmp_path).lookup_path(path)
        assert ours == reference, path
    requests = [Req("GET", "/static/" + quoted) for quoted in ("%5Cx", "C:x", "a%5Cb", "C:/y", "%5C%5Csrv%5Cshare")]
    assert_same(builder(tmp_path), requests)


def test_directory_redirect_with_an_empty_host(site: Path) -> None:
    requests = [
        Req("GET", "/static/docs", headers=[(b"host", b"")]),
        Req("GET", "/static/docs", headers=[(b"host", b"")], server=None),
        Req("GET", "/static/docs", headers=[(b"host", b"ex.com:8080")], query_string=b"a=1"),
    ]
    assert_same(builder(site, html=True), requests)


def test_public_signatures() -> None:
    import inspect

    import starlette.staticfiles

    import starlette_c.staticfiles

    assert starlette_c.staticfiles.PathLike == starlette.staticfiles.PathLike
    for name in ("StaticFiles", "NotModifiedResponse"):
        reference, ours = getattr(starlette.staticfiles, name), getattr(starlette_c.staticfiles, name)
        for attribute, value in vars(reference).items():
            if attribute.startswith("_") and attribute not in ("__init__", "__call__"):
                continue
            if callable(value):
                assert str(inspect.signature(getattr(ours, attribute))) == str(inspect.signature(value)), attribute
            else:
                assert getattr(ours, attribute) == value, attribute


_SEGMENTS = st.sampled_from(
    ["", ".", "..", "%2e%2e", "%2f", "docs", "empty", "hello.txt", "index.html", "404.html", "outside.txt"]
    + ["static_private", "secret.txt", "\\", "..\\", "x\x00", "C:", "é", " ", "hello.txt."]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    segments=st.lists(_SEGMENTS, max_size=5),
    method=st.sampled_from(["GET", "HEAD", "POST"]),
    html=st.booleans(),
    follow_symlink=st.booleans(),
)
def test_random_paths_match_the_reference(
    site: Path, segments: list[str], method: str, html: bool, follow_symlink: bool
) -> None:
    # NOTE: any walk through the site, dot segments and escapes included, answers as the reference does.
    req = Req(method, "/static/" + "/".join(segments))
    reference, ours = run_both(builder(site, html=html, follow_symlink=follow_symlink), req)
    assert ours == reference
    assert follow_symlink or b"secret" not in ours.body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    if_none_match=st.none()
    | st.lists(st.sampled_from(["ETAG", "W/ETAG", '"other"', "*", "", " ", "W/", "ETAG-bare"]), max_size=3).map(
        ",".join
    ),
    if_modified_since=st.none()
    | st.sampled_from(
        ["Fri, 01 Jan 2100 00:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "MTIME", "garbage", "", "Mon, 99 Foo 9 GMT"]
    ),
    method=st.sampled_from(["GET", "HEAD"]),
    name=st.sampled_from(["hello.txt", "docs", "missing.txt"]),
)
def test_any_conditional_request_answers_as_the_reference(
    site: Path, if_none_match: str | None, if_modified_since: str | None, method: str, name: str
) -> None:
    # NOTE: ETAG and MTIME stand for the file's own validators; any mix of them with others and with garbage.
    etag = etag_of(site).decode()
    mtime = formatdate((site / "hello.txt").stat().st_mtime, usegmt=True)
    headers = []
    if if_none_match is not None:
        value = if_none_match.replace("ETAG-bare", etag.strip('"')).replace("ETAG", etag)
        headers.append((b"if-none-match", value.encode()))
    if if_modified_since is not None:
        headers.append((b"if-modified-since", if_modified_since.replace("MTIME", mtime).encode()))
    reference, ours = run_both(builder(site, html=True), Req(method, "/static/" + name, headers=headers))
    assert ours == reference
