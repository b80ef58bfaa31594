"""ALGORITHM=RS256 / EdDSA: tokens signed with a private key file, public keys at the JWKS URL."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi.testclient import TestClient

from infrastructure.container import build_container
from interfaces.http.app import create_app
from tests.api.conftest import Api, bearer, make_settings


def write_private_key(path: Path, algorithm: str) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS256"
        else ed25519.Ed25519PrivateKey.generate()
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


@pytest.mark.parametrize("algorithm", ["RS256", "EdDSA"])
def test_asymmetric_tokens_verify_with_the_published_key(tmp_path: Path, algorithm: str) -> None:
    key = write_private_key(tmp_path / "private.pem", algorithm)
    settings = make_settings(
        tmp_path, algorithm=algorithm, jwt_private_key_file=str(tmp_path / "private.pem")
    )
    with TestClient(create_app(build_container(settings))) as client:
        api = Api(client)
        token = api.registered_token()
        assert client.get("/users/me", headers=bearer(token)).status_code == 200
        assert jwt.get_unverified_header(token)["alg"] == algorithm
        jwks = client.get("/.well-known/jwks.json").json()
        assert len(jwks["keys"]) == 1
        assert "d" not in jwks["keys"][0]  # never the private part
        public = jwt.PyJWK(jwks["keys"][0]).key
        claims = jwt.decode(token, public, algorithms=[algorithm], audience="tessera-api")
        assert claims["typ"] == "access"
        # An HS256 token MACed with the public key (CVE-2022-29217) is refused. PyJWT itself
        # will not HMAC with a PEM, so the forgery is made by hand.
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        signing_input = (
            f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{token.split('.')[1]}"
        )
        mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        forged = f"{signing_input}.{b64(mac)}"
        assert client.get("/users/me", headers=bearer(forged)).status_code == 401


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
