"""What keeps the local web app local: only this machine's own page may talk to it.

- The server binds 127.0.0.1 only (``server.serve``).
- ``Host`` must be the app's own (127.0.0.1 or localhost at its port): a web page the user
  has open elsewhere cannot reach it through DNS rebinding.
- ``Origin``, when a browser sends one, must be the app's own; a request that changes
  anything (not GET or HEAD) must carry it, or a ``Referer`` of the app's own.
- A per-launch secret token: the printed URL carries it once; the app then keeps it in an
  HttpOnly, SameSite=Strict cookie and drops it from the address bar. A request without it
  is refused.
- Every answer carries a Content-Security-Policy: the page may load scripts, styles, images
  and connections from the app itself only (no CDN, nothing from the network), and no other
  site may frame it.
- A request that repeats ``Host``, ``Origin``, ``Referer`` or ``Cookie`` is refused (which
  one would count is ambiguous), and so is one with over 16 kB of headers.
- The redirect that drops the token goes to a path of the app itself, never to another
  site (``//evil.com/x`` becomes ``/evil.com/x``).
- A request a browser says comes from another site (``Sec-Fetch-Site`` neither
  ``same-origin`` nor ``none``) is refused, GETs too: a page on another port of 127.0.0.1 is
  the "same site" for cookies, so SameSite=Strict still sends the cookie from there. Every
  answer carries ``Cross-Origin-Resource-Policy: same-origin``, so no other page may even
  embed a picture of the app.
"""

from __future__ import annotations

import secrets
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode

COOKIE = "facetrack_token"
SAFE_METHODS = (b"GET", b"HEAD")
#: Headers a request may give once only.
SINGLE = (b"host", b"origin", b"referer", b"cookie")
#: The most header bytes a request may carry (the server also refuses a longer head still coming).
MAX_HEADER_BYTES = 16 * 1024
#: Only the app itself: scripts and styles are the app's own files (``/static``), never inline
#: (no inline script, style element, style attribute or event handler runs); data: and blob:
#: images are the charts, before/after pictures and the camera preview.
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
          "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; "
          "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", POLICY.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin")]
#: What a browser's ``Sec-Fetch-Site`` says for the app's own pages (``none``: the user typed the
#: address, opened a bookmark or the printed link).
OWN_FETCH_SITES = ("same-origin", "none")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Guard:
    """ASGI middleware that refuses any request that is not from the app's own page."""

    def __init__(self, app, *, port: int, token: str):
        self.app = app
        self.token = token
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{h}" for h in self.hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if sum(len(k) + len(v) + 4 for k, v in scope.get("headers", [])) > MAX_HEADER_BYTES:
            return await _refuse(send, 431, f"the request's headers are over {MAX_HEADER_BYTES // 1024} kB")
        names = [k.lower() for k, _ in scope.get("headers", [])]
        repeated = sorted({n.decode("latin-1") for n in names if n in SINGLE and names.count(n) > 1})
        if repeated:
            return await _refuse(send, 400, f"the request gives the {' and '.join(repeated)} header more than once")
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get(b"host", "")
        if host not in self.hosts:
            return await _refuse(send, 421, f"this app answers only at {' or '.join(sorted(self.hosts))}")
        origin = headers.get(b"origin")
        if origin is not None and origin not in self.origins:
            return await _refuse(send, 403, "requests from another site are refused")
        fetch_site = headers.get(b"sec-fetch-site")
        if fetch_site is not None and fetch_site.strip().lower() not in OWN_FETCH_SITES:
            return await _refuse(send, 403, "requests from another site or page are refused: open the app "
                                            "from its own address")
        if scope["method"].encode() not in SAFE_METHODS and origin is None:
            referer = headers.get(b"referer", "")
            if not any(referer.startswith(o + "/") for o in self.origins):
                return await _refuse(send, 403, "a change must come from the app's own page")
        if _same(_cookie(headers.get(b"cookie", ""), COOKIE), self.token):
            async def send_with_policy(message):
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
                await send(message)

            return await self.app(scope, receive, send_with_policy)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if _same(dict(query).get("token"), self.token):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = own_path(scope["path"]) + (f"?{rest}" if rest else "")
            return await _send(send, 303, b"", [(b"location", location.encode("ascii")),
                                                 (b"set-cookie", f"{COOKIE}={self.token}; HttpOnly; "
                                                  "SameSite=Strict; Path=/".encode())])
        return await _refuse(send, 403, "open the link that `facetrack app` printed (it holds this launch's key)")


def _same(given: str | None, token: str) -> bool:
    """Whether ``given`` is the token (in constant time; any text, none included)."""
    if given is None:
        return False
    return secrets.compare_digest(given.encode("utf-8", "surrogatepass"), token.encode("utf-8"))


def _cookie(header: str, name: str) -> str | None:
    try:
        cookie = SimpleCookie(header)
    except CookieError:
        return None
    return cookie[name].value if name in cookie else None


def own_path(path: str) -> str:
    """``path`` as a path of this app, for a Location header: one leading slash (``//host``
    and ``/\\host`` would name another site), and every character a browser might drop or
    read as a slash percent-encoded."""
    return "/" + quote(path.lstrip("/\\"), safe="/-._~!$&'()*+,;=:@")


async def _send(send, status: int, body: bytes, headers=()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *HEADERS, *headers]})
    await send({"type": "http.response.body", "body": body})


async def _refuse(send, status: int, why: str) -> None:
    await _send(send, status, f"refused: {why}\n".encode())
