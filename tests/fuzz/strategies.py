"""Hypothesis strategies shaped like what the twins see: header bytes, Host values, paths, Range sets."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

LATIN1 = st.characters(max_codepoint=0xFF)
ANY_TEXT = st.text(max_size=40)
TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789"
SPECIAL = "%:/?#[]@!$&'()*+,;=.-~\\ \t\r\n\x00\x7f\xff{}"

header_key = st.one_of(
    st.text(TOKEN_CHARS, min_size=0, max_size=12),
    st.sampled_from(["Host", "host", "Content-Length", "content-type", "Vary", "vary", "HOST", "Set-Cookie"]),
    st.text(LATIN1, max_size=6),
    st.text(max_size=6),  # may not be latin-1: both twins must raise alike
)
header_value = st.one_of(st.text(LATIN1, max_size=20), st.text(max_size=8), st.sampled_from(["", " ", "a, b", "*"]))
raw_name = st.one_of(
    st.binary(max_size=8),
    st.sampled_from([b"host", b"vary", b"content-length", b"content-type", b"Host", b"VARY", b"x-a"]),
)
raw_headers = st.lists(st.tuples(raw_name, st.binary(max_size=16)), max_size=8)

query = st.one_of(
    st.text(alphabet=st.sampled_from("ab=&%+;20FfZz\x00 \u00e9\ud800"), max_size=40),
    st.text(max_size=40),
    st.lists(st.tuples(st.text(max_size=5), st.text(max_size=5))).map(lambda kv: "&".join(f"{k}={v}" for k, v in kv)),
)

host = st.one_of(
    st.text(alphabet=st.sampled_from("abc.:[]0123456789-_ %@\\/\x00\t"), max_size=30),
    st.builds(
        lambda h, p: f"{h}:{p}",
        st.sampled_from(["a.com", "[::1]", "", "1.2.3.4", "a_b"]),
        st.text("0123456789", max_size=25),
    ),
    st.text(LATIN1, max_size=12),
)

path_text = st.one_of(
    st.text(alphabet=st.sampled_from("/ab.%2eEfF?#\\:;@ \u00e9\x00"), max_size=30),
    st.text(max_size=30),
)


@st.composite
def scope(draw: st.DrawFn) -> dict[str, Any]:
    headers = draw(st.lists(st.tuples(raw_name, st.binary(max_size=12)), max_size=3))
    if draw(st.booleans()):
        headers.append((b"host", draw(host).encode("utf-8", "surrogatepass")))
    out: dict[str, Any] = {
        "type": "http",
        "path": draw(path_text),
        "headers": headers,
        "query_string": draw(st.binary(max_size=20)),
    }
    if draw(st.booleans()):
        out["scheme"] = draw(st.sampled_from(["http", "https", "ws", "wss", "ftp", ""]))
    server = draw(
        st.one_of(
            st.none(),
            st.tuples(
                st.sampled_from(["127.0.0.1", "::1", "a.com", "", "[::1]"]), st.one_of(st.none(), st.integers(0, 70000))
            ),
        )
    )
    if server is not None or draw(st.booleans()):
        out["server"] = server
    return out


digits = st.one_of(st.text("0123456789", max_size=25), st.integers(0, 2**70).map(str))
range_part = st.one_of(
    st.builds(lambda a, b: f"{a}-{b}", digits, digits),
    st.builds(lambda b: f"-{b}", digits),
    st.builds(lambda a: f"{a}-", digits),
    st.text(alphabet=st.sampled_from("0123456789-, \t\u0661+x"), max_size=12),
)
range_spec = st.one_of(st.lists(range_part, max_size=8).map(",".join), st.text(max_size=20))

route_path = st.one_of(
    st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from("abc-_.%"), max_size=5),
            st.builds(
                lambda n, c: "{" + n + c + "}",
                st.text(alphabet=st.sampled_from("abcxyz_"), min_size=1, max_size=4),
                st.sampled_from(["", ":str", ":int", ":float", ":uuid", ":path", ":nope", ":"]),
            ),
        ),
        max_size=4,
    ).map(lambda parts: "/" + "/".join(parts)),
    st.text(alphabet=st.sampled_from("/{}:abcint.*+?()[]\\^$|"), max_size=20),
)
