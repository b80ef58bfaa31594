"""Shapes every resource shares: request bodies, pages, errors."""

from typing import Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

ItemT = TypeVar("ItemT")


def reject_nul(value: Any) -> Any:
    """No text of the contract holds a NUL, and PostgreSQL cannot store one: refuse it as a 422
    here rather than fail as a 500 in the database."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NulFree = AfterValidator(reject_nul)


def example(body: dict[str, Any]) -> ConfigDict:
    """A body's example in the OpenAPI document: what /docs pre-fills for "Try it out", so it
    must be a body the API accepts (tests/api/test_openapi_examples.py sends each one)."""
    return ConfigDict(json_schema_extra={"examples": [body]})


class RequestBody(BaseModel):
    """Unknown fields are a 422: a client can never set what the contract does not offer."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return reject_nul(value)

    def reject_null(self, *names: str) -> None:
        """Optional fields that, when sent, must not be null (they cannot be cleared)."""
        for name in names:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null.")


class PageResponse(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None


class ErrorBody(BaseModel):
    detail: str
    code: str


class HealthResponse(BaseModel):
    status: str
