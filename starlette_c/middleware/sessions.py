"""``SessionMiddleware``: a signed, cookie-backed ``request.session`` dictionary."""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from collections.abc import Awaitable
from typing import Any, Literal

import itsdangerous
from itsdangerous.exc import BadSignature

from starlette_c.datastructures import Secret
from starlette_c.middleware._raw_headers import add_vary
from starlette_c.requests import cookie_parser
from starlette_c.types import ASGIApp, Message, Receive, Scope, Send


class Session(dict[str, Any]):
    """The session dictionary; it remembers whether it was read (for ``Vary``) and whether it was changed."""

    accessed: bool = False
    modified: bool = False

    def mark_accessed(self) -> None:
        self.accessed = True

    def mark_modified(self) -> None:
        self.accessed = True
        self.modified = True

    def __setitem__(self, key: str, value: Any) -> None:
        self.mark_modified()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.mark_modified()
        super().__delitem__(key)

    def clear(self) -> None:
        self.mark_modified()
        super().clear()

    def pop(self, key: str, *args: Any) -> Any:
        self.mark_modified()
        return super().pop(key, *args)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.mark_modified()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.mark_modified()
        super().update(*args, **kwargs)

    def popitem(self) -> tuple[str, Any]:
        self.mark_modified()
        return super().popitem()

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.mark_modified()
        return super().__ior__(other)


def _load(signed: bytes, signer: itsdangerous.TimestampSigner, max_age: int | None) -> dict[str, Any]:
    # NOTE: anything but a well-signed, fresh JSON object (forged, truncated, expired, garbage) is an empty session.
    try:
        data = json.loads(b64decode(signer.unsign(signed, max_age=max_age), validate=True))
    except (BadSignature, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


class SessionMiddleware:
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
    ) -> None:
        self.app = app
        self.signer = itsdangerous.TimestampSigner(str(secret_key))
        self.session_cookie = session_cookie
        self.max_age = max_age
        self.path = path
        self.security_flags = "httponly; samesite=" + same_site
        if https_only:
            self.security_flags += "; secure"
        if domain is not None:
            self.security_flags += f"; domain={domain}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        # PERF: the cookie HTTPConnection(scope).cookies would give, from a scan of the raw headers: no Cookie
        # header, no connection, Headers object or parse.
        cookie = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                # NOTE: as in the merged cookies of several Cookie headers, a later header's session cookie wins.
                cookie = cookie_parser(value.decode("latin-1")).get(self.session_cookie, cookie)
        loaded = _load(cookie.encode("utf-8"), self.signer, self.max_age) if cookie is not None else {}
        had_session = bool(loaded)
        session = scope["session"] = Session(loaded)

        # PERF: a plain function handing back send's awaitable (no coroutine per message).
        def send_with_session_cookie(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start" and session.accessed:
                self._add_session_headers(message, session, had_session)
            return send(message)

        await self.app(scope, receive, send_with_session_cookie)

    def _add_session_headers(self, message: Message, session: Session, had_session: bool) -> None:
        # NOTE: edits go to a copy, as with MutableHeaders(scope=message): the sender may reuse its list.
        raw = message["headers"] = list(message.get("headers", ()))
        add_vary(raw, b"Cookie")
        if session.modified and session:
            raw.append((b"set-cookie", self._cookie(self._dump(session), self.max_age).encode("latin-1")))
        elif session.modified and had_session:
            raw.append((b"set-cookie", self._cookie("null", None, expired=True).encode("latin-1")))

    def _dump(self, session: dict[str, Any]) -> str:
        return self.signer.sign(b64encode(json.dumps(session).encode("utf-8"))).decode("utf-8")

    def _cookie(self, value: str, max_age: int | None, expired: bool = False) -> str:
        parts = [f"{self.session_cookie}={value}", f"path={self.path}"]
        if max_age:
            parts.append(f"Max-Age={max_age}")
        if expired:
            parts.append("expires=Thu, 01 Jan 1970 00:00:00 GMT")
        parts.append(self.security_flags)
        return "; ".join(parts)
