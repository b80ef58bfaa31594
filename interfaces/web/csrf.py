"""Cross-site request forgery: every state-changing form is checked twice.

1. The form's `csrf_token` (or the script's `X-CSRF-Token` header) must be the HMAC of this browser's CSRF cookie (a signed double-submit
   cookie): a page on another site can make the browser send the cookie, but can neither read it
   nor compute the HMAC without the server's key.
2. The request's `Origin`, when the browser sends one (every current browser does on a POST), must
   be this site's own; `Sec-Fetch-Site: cross-site` is refused too.

The CSRF cookie is replaced at every login and logout, so a token seen before login is worthless
after it.
"""

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

CSRF_FIELD = "csrf_token"
# The pages' script (static/passkeys.js) sends the same token in this header with its JSON.
CSRF_HEADER = "x-csrf-token"


class CsrfRefused(Exception):
    """The form cannot be shown to come from this site: a 403 page, nothing changed."""


class CsrfGuard:
    def __init__(self, server_secret: str, public_base_url: str) -> None:
        self._key = hashlib.sha256(b"tessera web csrf\0" + server_secret.encode()).digest()
        self._public_origin = _origin_of(public_base_url)

    def token_for(self, csrf_secret: str) -> str:
        return hmac.new(self._key, csrf_secret.encode(), hashlib.sha256).hexdigest()

    def check(self, request: Request, csrf_secret: str | None, token: object) -> None:
        self._check_origin(request)
        if not csrf_secret or not isinstance(token, str):
            raise CsrfRefused()
        if not hmac.compare_digest(self.token_for(csrf_secret), token):
            raise CsrfRefused()

    def _check_origin(self, request: Request) -> None:
        if request.headers.get("sec-fetch-site") == "cross-site":
            raise CsrfRefused()
        origin = request.headers.get("origin")
        if origin is None:
            return  # not a browser's cross-site POST: the token alone decides
        if origin == "null":
            # A page sent with `Referrer-Policy: no-referrer` (those of the emailed links) posts
            # its own forms with `Origin: null`. The browser still names the request's site:
            # only same-origin passes (or no word at all, as from a browser that never says);
            # the token decides the rest.
            if request.headers.get("sec-fetch-site") not in (None, "same-origin"):
                raise CsrfRefused()
            return
        own_origin = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
        if origin.lower() not in {own_origin, self._public_origin}:
            raise CsrfRefused()


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
