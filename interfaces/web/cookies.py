"""The browser's two cookies: its session key and its CSRF secret.

Both are opaque random values, HttpOnly (no script reads them), SameSite=Lax and on Path=/. When
Tessera is served over https (PUBLIC_BASE_URL), they are Secure and carry the `__Host-` prefix,
which a browser accepts only from this exact origin: a sibling subdomain cannot plant either.
"""

import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

CSRF_SECRET_BYTES = 32


@dataclass(frozen=True)
class CookiePolicy:
    secure: bool

    @property
    def session_name(self) -> str:
        return self._name("tessera_session")

    @property
    def csrf_name(self) -> str:
        return self._name("tessera_csrf")

    def _name(self, base: str) -> str:
        return f"__Host-{base}" if self.secure else base

    def session_key(self, request: Request) -> str | None:
        return request.cookies.get(self.session_name) or None

    def csrf_secret(self, request: Request) -> str | None:
        return request.cookies.get(self.csrf_name) or None

    def set_session(self, response: Response, key: str) -> None:
        # A session cookie for the browser (no Max-Age): the server's session expiry rules.
        self._set(response, self.session_name, key)

    def set_csrf(self, response: Response, secret: str) -> None:
        self._set(response, self.csrf_name, secret)

    def start_session(self, response: Response, key: str) -> None:
        """A sign-in (password, second step, passkey, password change): the new session's key,
        and a new CSRF secret, so that nothing a page saw before counts after."""
        self.set_session(response, key)
        self.set_csrf(response, new_csrf_secret())

    def clear_session(self, response: Response) -> None:
        response.delete_cookie(
            self.session_name, path="/", secure=self.secure, httponly=True, samesite="lax"
        )

    def _set(self, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name, value, path="/", secure=self.secure, httponly=True, samesite="lax"
        )


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(CSRF_SECRET_BYTES)
