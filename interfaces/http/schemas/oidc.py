import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from domain.identities import Identity
from interfaces.http.schemas.common import RequestBody, example


class ProviderResponse(BaseModel):
    name: str
    display_name: str


class IdentityResponse(BaseModel):
    id: uuid.UUID
    provider: str
    email: str | None
    linked_at: datetime

    @classmethod
    def of(cls, identity: Identity) -> "IdentityResponse":
        return cls(
            id=identity.id,
            provider=identity.provider,
            email=identity.email,
            linked_at=identity.linked_at,
        )


class LoginCodeExchange(RequestBody):
    model_config = example({"login_code": "the-code-from-the-redirect-uri"})

    login_code: str = Field(min_length=1, max_length=128)
    """The single-use code the provider sign-in handed the client's redirect_uri."""
