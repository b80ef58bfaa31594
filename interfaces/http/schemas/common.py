"""Shapes every resource shares: request bodies, pages, errors."""

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

ItemT = TypeVar("ItemT")


class RequestBody(BaseModel):
    """Unknown fields are a 422: a client can never set what the contract does not offer."""

    model_config = ConfigDict(extra="forbid")

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
