"""The guard in front of every request of `hrzone serve` (an ASGI middleware).

- Bound to a loopback address without a token: only requests naming this machine in their Host
  header are answered (a web page elsewhere cannot reach the server by DNS rebinding).
- Bound to any other address: a token is required; without one every request is refused.
- With a token: every request needs it, as the `hrzone_token` cookie (set by opening the
  one-time link `/?token=T`), an `X-Hrzone-Token` header or `Authorization: Bearer T`; else 401.
- State-changing requests (anything but GET/HEAD) must carry `X-Hrzone: 1` (a header a page on
  another site cannot send without a CORS preflight this server never grants) and, when the
  browser says where they come from (Origin, Sec-Fetch-Site), come from this server; else 403.
- Every answer carries a strict Content-Security-Policy (nothing from outside), no referrer, no
  framing, no sniffing; API answers are not cached.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]

COOKIE = "hrzone_token"
CSRF_HEADER = "x-hrzone"
SAFE_METHODS = ("GET", "HEAD")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; media-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine only."""
    h = host.strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def _host_name(host_header: str) -> str:
    """The name part of a Host header ('[::1]:8765' -> '::1')."""
    return (urlsplit(f"//{host_header}").hostname or "").lower()


class Guard:
    """See the module docstring. bound_host: the address the server listens on; token: the
    token every request must carry (None: loopback only)."""

    def __init__(self, app: ASGIApp, bound_host: str, token: str | None):
        self.app = app
        self.bound_host = bound_host
        self.token = token

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        refused = self._check(scope, headers)
        if refused is not None:
            status, message, extra = refused
            await _answer(send, status, message, extra)
            return
        api = scope.get("path", "").startswith("/api/")

        async def send_with_headers(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                h = list(msg.get("headers", []))
                h += [(b"content-security-policy", CSP.encode()),
                      (b"x-content-type-options", b"nosniff"),
                      (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                      (b"cross-origin-resource-policy", b"same-origin")]
                if api:
                    h.append((b"cache-control", b"no-store"))
                msg = {**msg, "headers": h}
            await send(msg)

        await self.app(scope, receive, send_with_headers)

    def _check(self, scope: Scope, headers: dict[str, str]
               ) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """None when the request may pass, else (status, message, extra headers)."""
        if self.token is None:
            if not is_loopback(self.bound_host):
                return 403, ("this server listens beyond this machine without a token: "
                             "restart it with --token"), []
            if _host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
                return 403, "unknown Host: open the server by 127.0.0.1 or localhost", []
        else:
            link = self._token_link(scope, headers)
            if link is not None:
                return link
            if not self._has_token(headers):
                return 401, "this server needs its token: open the link it printed", []
        if scope.get("method", "GET") not in SAFE_METHODS:
            return self._csrf(headers)
        return None

    def _has_token(self, headers: dict[str, str]) -> bool:
        assert self.token is not None
        given = headers.get("x-hrzone-token", "")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = given or auth[7:].strip()
        if not given and "cookie" in headers:
            c: SimpleCookie = SimpleCookie()
            try:
                c.load(headers["cookie"])
            except Exception:
                c = SimpleCookie()
            given = c[COOKIE].value if COOKIE in c else ""
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    def _token_link(self, scope: Scope, headers: dict[str, str]
                    ) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """The one-time link (GET ?token=T): set the cookie and redirect to the same page
        without the token in its address."""
        assert self.token is not None
        if scope.get("method") != "GET":
            return None
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.pop("token", [""]) or [""])[0]
        if not given:
            return None
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return 401, "wrong token", []
        rest = urlencode(query, doseq=True)
        where = scope.get("path", "/") + (f"?{rest}" if rest else "")
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        return 303, "signed in", [(b"location", where.encode()), (b"set-cookie", cookie.encode())]

    def _csrf(self, headers: dict[str, str]) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        if headers.get(CSRF_HEADER) != "1":
            return 403, "refused: a state-changing request without the X-Hrzone header", []
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return 403, "refused: a cross-site request", []
        origin = headers.get("origin")
        if origin is not None and urlsplit(origin).netloc.lower() != headers.get("host", "").lower():
            return 403, "refused: a request from another origin", []
        return None


async def _answer(send: Any, status: int, message: str,
                  extra: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *extra]})
    await send({"type": "http.response.body", "body": body})
