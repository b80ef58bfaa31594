"""Partial updates: tell a field the client did not send from one it set to null."""

from typing import Final


class Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()
