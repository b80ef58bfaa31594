"""The short-lived cookies of a provider sign-in: the state cookie that binds the flow to the
browser that started it, and (for the web pages) the login code on its way to the pages.

Both are HttpOnly and SameSite=Lax (Lax, not Strict: the provider's redirect back is a
cross-site top-level navigation, which must carry the state cookie), each on the one path that
reads it, and Secure when Tessera is served over https.
"""

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from domain.identities import FLOW_LIFETIME, LOGIN_CODE_LIFETIME

STATE_COOKIE = "tessera_oidc_state"
STATE_PATH = "/auth/oidc"
WEB_LOGIN_COOKIE = "tessera_oidc_login"
WEB_FINISH_PATH = "/app/oidc/finish"
WEB_FAILURE_PATH = "/app/oidc/failed"
WEB_COOKIE_PATH = "/app/oidc"


@dataclass(frozen=True)
class OidcCookies:
    secure: bool

    def state(self, request: Request) -> str | None:
        return request.cookies.get(STATE_COOKIE) or None

    def set_state(self, response: Response, binding: str) -> None:
        self._set(response, STATE_COOKIE, binding, STATE_PATH, FLOW_LIFETIME.total_seconds())

    def clear_state(self, response: Response) -> None:
        self._clear(response, STATE_COOKIE, STATE_PATH)

    def web_login_code(self, request: Request) -> str | None:
        return request.cookies.get(WEB_LOGIN_COOKIE) or None

    def set_web_login_code(self, response: Response, code: str) -> None:
        lifetime = LOGIN_CODE_LIFETIME.total_seconds()
        self._set(response, WEB_LOGIN_COOKIE, code, WEB_COOKIE_PATH, lifetime)

    def clear_web_login_code(self, response: Response) -> None:
        self._clear(response, WEB_LOGIN_COOKIE, WEB_COOKIE_PATH)

    def _set(self, response: Response, name: str, value: str, path: str, seconds: float) -> None:
        response.set_cookie(
            name,
            value,
            max_age=int(seconds),
            path=path,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def _clear(self, response: Response, name: str, path: str) -> None:
        response.delete_cookie(name, path=path, secure=self.secure, httponly=True, samesite="lax")
