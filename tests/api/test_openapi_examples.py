"""Every request body in /openapi.json carries an example, and the API accepts it.

The examples are what Swagger UI (/docs) pre-fills, so a newcomer's first "Try it out" must
work: each one is sent here, after the setup a person would have done (registered and logged in
with the examples themselves), and must get the status a client expects, never a 422.
"""

from typing import Any

import pytest

from tests.api.conftest import Api, bearer

# Every operation with a body, and the status its example gets after the setup below. A refresh
# token, a reset token and a verification token come from a login or an email, so their examples
# are placeholders that the API refuses as unknown tokens (never as malformed bodies).
EXPECTED_STATUS = {
    ("POST", "/auth/register"): 201,
    ("POST", "/auth/login"): 200,
    ("POST", "/auth/token"): 200,
    ("POST", "/auth/refresh"): 401,
    ("POST", "/auth/logout"): 204,
    ("POST", "/auth/forgot-password"): 202,
    ("POST", "/auth/reset-password"): 400,
    ("POST", "/auth/verify"): 400,
    # The password example is right; no setup was started nor any second factor turned on, and
    # the mfa_token is a placeholder.
    ("POST", "/auth/mfa/totp/setup"): 200,
    ("POST", "/auth/mfa/totp/confirm"): 409,
    ("DELETE", "/auth/mfa/totp"): 409,
    ("POST", "/auth/mfa/recovery-codes"): 409,
    ("POST", "/auth/mfa/verify"): 401,
    # The password example is right (options for a new passkey); the credentials are
    # placeholders that do not verify, and no passkey has the placeholder id.
    ("POST", "/auth/passkeys/register/options"): 200,
    ("POST", "/auth/passkeys/register"): 400,
    ("DELETE", "/auth/passkeys/{passkey_id}"): 404,
    ("POST", "/auth/passkeys/login/options"): 200,
    ("POST", "/auth/passkeys/login"): 401,
    # The login code comes from a provider sign-in: the example is a placeholder.
    ("POST", "/auth/oidc/exchange"): 400,
    ("PATCH", "/users/me"): 200,
    ("PATCH", "/users/me/password"): 200,
    ("PATCH", "/users/me/deactivate"): 204,
    ("DELETE", "/users/me"): 204,
    ("POST", "/tasks"): 201,
    ("PATCH", "/tasks/{task_id}"): 200,
    ("POST", "/posts"): 201,
    ("PATCH", "/posts/{post_id}"): 200,
    ("PATCH", "/admin/users/{user_id}/role"): 200,
}
FORM = "application/x-www-form-urlencoded"


def operations_with_a_body(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation["requestBody"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }


def example_of(document: dict[str, Any], body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The body's media type and its example: the schema's first example, or for a form, the
    examples of its fields (as Swagger UI fills them in)."""
    ((media_type, content),) = body["content"].items()
    name = content["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = document["components"]["schemas"][name]
    if media_type == FORM:
        fields = schema["properties"].items()
        return media_type, {
            key: field["examples"][0] for key, field in fields if "examples" in field
        }
    assert schema.get("examples"), f"{name} has no example"
    return media_type, dict(schema["examples"][0])


def test_every_operation_with_a_body_is_checked(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    assert set(operations_with_a_body(document)) == set(EXPECTED_STATUS)


@pytest.mark.parametrize(("method", "path"), list(EXPECTED_STATUS))
def test_the_example_of_every_request_body_is_accepted(
    api: Api, admin_token: str, method: str, path: str
) -> None:
    document = api.client.get("/openapi.json").json()
    examples = {
        operation: example_of(document, body)
        for operation, body in operations_with_a_body(document).items()
    }

    def send(operation: tuple[str, str], headers: dict[str, str], **ids: str) -> Any:
        media_type, example = examples[operation]
        url = operation[1].format(**ids)
        if media_type == FORM:
            return api.client.request(operation[0], url, data=example, headers=headers)
        return api.client.request(operation[0], url, json=example, headers=headers)

    # The setup a newcomer follows: register and log in with the examples, create a task and a post.
    ids: dict[str, str] = {}
    headers: dict[str, str] = {}
    if (method, path) != ("POST", "/auth/register"):
        ids["user_id"] = send(("POST", "/auth/register"), {}).json()["id"]
        headers = bearer(send(("POST", "/auth/login"), {}).json()["access_token"])
        ids["task_id"] = send(("POST", "/tasks"), headers).json()["id"]
        ids["post_id"] = send(("POST", "/posts"), headers).json()["id"]
        ids["passkey_id"] = "00000000-0000-4000-8000-000000000000"
    if path.startswith("/admin/"):
        headers = bearer(admin_token)

    response = send((method, path), headers, **ids)
    assert response.status_code == EXPECTED_STATUS[(method, path)], response.text
