"""``SessionMiddleware``: ``scope["session"]``, a dictionary kept in a signed cookie."""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from typing import Any, Literal

import itsdangerous
from itsdangerous.exc import BadSignature

from starlette_c._backend import senders
from starlette_c._stock import Stepped
from starlette_c.datastructures import Secret
from starlette_c.middleware._raw_headers import add_vary
from starlette_c.requests import cookie_parser
from starlette_c.types import ASGIApp, Message, Scope

_EXPIRED = "expires=Thu, 01 Jan 1970 00:00:00 GMT"


class Session(dict[str, Any]):
    """The session dictionary. Its writes set ``modified`` (and ``accessed``, which makes responses vary by Cookie).

    Reads leave both unset; a write that changes nothing (``pop`` of a missing key, ``setdefault`` of a present
    one) does too.
    """

    accessed: bool = False
    modified: bool = False

    def mark_accessed(self) -> None:
        self.accessed = True

    def mark_modified(self) -> None:
        self.modified = self.accessed = True

    def __setitem__(self, key: str, value: Any) -> None:
        self.mark_modified()
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self.mark_modified()
        dict.__delitem__(self, key)

    def __ior__(self, other: Any, /) -> Session:  # type: ignore[override,misc]
        self.mark_modified()
        dict.update(self, other)
        return self

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.mark_modified()
        dict.update(self, *args, **kwargs)

    def clear(self) -> None:
        self.mark_modified()
        dict.clear(self)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key in self:
            return dict.__getitem__(self, key)
        self[key] = default
        return default

    def pop(self, key: str, *args: Any) -> Any:
        if key in self:
            self.mark_modified()
        return dict.pop(self, key, *args)

    def popitem(self) -> tuple[str, Any]:
        item = dict.popitem(self)
        self.mark_modified()
        return item


class SessionMiddleware(Stepped):
    """Loads ``scope["session"]`` from the request's cookie and writes it back when the app changed it."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | Secret,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
    ) -> None:
        flags = ["httponly", f"samesite={same_site}"]
        if https_only:
            flags.append("secure")
        if domain is not None:
            flags.append(f"domain={domain}")
        if partitioned:
            flags.append("partitioned")
        self.app = app
        self.signer = itsdangerous.TimestampSigner(str(secret_key))
        self.session_cookie = session_cookie
        self.max_age = max_age
        self.path = path
        self.security_flags = "; ".join(flags)

    # PERF: the twin's function is the method (compiled: no Python frame per request).
    _step = senders.session_step

    def _send_cookie(self, message: Message, session: Session, had_session: bool) -> None:
        """Mark the start of a response whose session was accessed: Vary by Cookie, and the new cookie if any."""
        # NOTE: edits go to a copy, as with MutableHeaders(scope=message): the sender may reuse its list.
        message["headers"] = headers = list(message["headers"])
        add_vary(headers, b"Cookie")
        cookie = self._outgoing_cookie(session, had_session)
        if cookie is not None:
            headers.append((b"set-cookie", cookie.encode("latin-1")))

    def _incoming_cookie(self, scope: Scope) -> str | None:
        # PERF: only Cookie headers are parsed, straight from the raw list, with no connection or Headers object.
        value = None
        for name, raw in scope["headers"]:
            if name == b"cookie":
                # NOTE: as in the merged cookies of several Cookie headers, a later header's session cookie wins.
                value = cookie_parser(raw.decode("latin-1")).get(self.session_cookie, value)
        return value

    def _load(self, cookie: str) -> dict[str, Any] | None:
        # NOTE: a well-signed, fresh JSON object is a session, even an empty one (clearing it expires the cookie, as
        # in Starlette); anything else (forged, truncated, expired, garbage, another JSON value) is none.
        try:
            payload = self.signer.unsign(cookie.encode("utf-8"), max_age=self.max_age)
            # NOTE: leniently, as Starlette (bytes outside the alphabet, extra padding): the payload is signed.
            data = json.loads(b64decode(payload))
        except (BadSignature, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None

    def _outgoing_cookie(self, session: Session, had_session: bool) -> str | None:
        """The Set-Cookie value the response needs: the new contents, an expired cookie, or none."""
        if not session.modified:
            return None
        if session:
            payload = b64encode(json.dumps(session).encode("utf-8"))
            value = self.signer.sign(payload).decode("utf-8")
            lifetime = "" if self.max_age is None else f"; Max-Age={self.max_age}"
            return f"{self.session_cookie}={value}; path={self.path}{lifetime}; {self.security_flags}"
        if had_session:
            return f"{self.session_cookie}=null; path={self.path}; {_EXPIRED}; {self.security_flags}"
        return None
