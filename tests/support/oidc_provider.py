"""A real OpenID Connect provider on 127.0.0.1 for the tests: `oidc-provider-mock` (discovery,
JWKS, authorize, token, userinfo; Authlib's authorization server underneath), in a thread.

`Forger` sits in front of it, as an attacker between provider and client could, to test what the
client refuses: it can alter the ID token of the next token responses (tamper with it, or re-sign
it with claims of its choosing under a key it publishes beside the provider's), and it records
the token requests it sees. Tessera's side stays the real adapter throughout.
"""

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import oidc_provider_mock
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
FORGER_KID = "forger"


def _unverified_claims(id_token: str) -> dict[str, Any]:
    payload = id_token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Forger:
    """WSGI middleware in front of the provider."""

    app: WsgiApp
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": FORGER_KID})
    )
    rewrite: Callable[[str], str] | None = None
    """What to do to the ID token of each token response; None: leave it alone."""
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    publish_key: bool = False
    """Publish the forger's key beside the provider's. Only while needed: the mock provider's
    tokens name no key (no `kid`), which is fine only while its key set has one key."""

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            self.token_requests.append(parse_qs(body.decode()))
            environ["wsgi.input"] = _Body(body)
        if path not in ("/oauth2/token", "/jwks"):
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        if captured["status"].startswith("200"):
            document = json.loads(body)
            if path == "/jwks" and self.publish_key:
                document["keys"].append(self.key.as_dict(private=False))
            elif self.rewrite is not None and "id_token" in document:
                document["id_token"] = self.rewrite(document["id_token"])
            body = json.dumps(document).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    # --- What an attacker could do to an ID token ---------------------------------------------

    def resign(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[str], str]:
        """Re-sign the token under the forger's published key, with its claims changed."""

        self.publish_key = True

        def rewrite(id_token: str) -> str:
            claims = change(_unverified_claims(id_token))
            return jwt.encode({"alg": "RS256", "kid": FORGER_KID}, claims, self.key)

        return rewrite

    @staticmethod
    def tamper(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[str], str]:
        """Change the claims and keep the provider's signature (which no longer matches)."""

        def rewrite(id_token: str) -> str:
            header, _, signature = id_token.split(".")
            claims = change(_unverified_claims(id_token))
            return ".".join([header, _b64(json.dumps(claims).encode()), signature])

        return rewrite

    @staticmethod
    def unknown_key(
        change: Callable[[dict[str, Any]], dict[str, Any]] = dict,
    ) -> Callable[[str], str]:
        """Signed by a key the provider never published."""
        stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})

        def rewrite(id_token: str) -> str:
            claims = change(_unverified_claims(id_token))
            return jwt.encode({"alg": "RS256", "kid": "stranger"}, claims, stranger)

        return rewrite


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1) -> bytes:
        data, self._data = (self._data, b"") if size < 0 else (self._data[:size], self._data[size:])
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


@dataclass
class Provider:
    issuer: str
    forger: Forger

    def set_user(self, subject: str, **claims: Any) -> None:
        """The claims the provider will assert for `subject` (e.g. email, email_verified)."""
        response = httpx.put(f"{self.issuer}/users/{subject}", json=claims)
        assert response.status_code == 204, response.text

    def approve(self, authorization_url: str, subject: str) -> str:
        """The person signs in at the provider as `subject`; the provider's redirect back."""
        response = httpx.post(authorization_url, data={"sub": subject})
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def deny(self, authorization_url: str) -> str:
        response = httpx.post(authorization_url, data={"action": "deny"})
        assert response.status_code == 302, response.text
        return response.headers["location"]


def code_challenge_of(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())


@contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider on a free port of 127.0.0.1, nonce required, for as long as the block runs."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    inner = oidc_provider_mock.app(require_nonce=True)
    forger = Forger(inner.wsgi_app)
    inner.wsgi_app = forger
    server = werkzeug.serving.make_server("127.0.0.1", 0, inner, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Provider(issuer=f"http://127.0.0.1:{server.server_port}", forger=forger)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def expired(claims: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    return {**claims, "iat": now - 7200, "exp": now - 3600}
