"""What a unit of work holds while it is entered, shared with the repositories hanging off it."""

from typing import Generic, TypeVar

T = TypeVar("T")


class TransactionSlot(Generic[T]):
    """Empty outside `with`; repositories reach the open transaction through `current()`."""

    def __init__(self) -> None:
        self._value: T | None = None

    def ensure_empty(self) -> None:
        # A unit of work is one transaction at a time: nesting `with uow:` is a bug, not a feature.
        if self._value is not None:
            raise RuntimeError("This unit of work is already entered; use another one.")

    def fill(self, value: T) -> None:
        self.ensure_empty()
        self._value = value

    def current(self) -> T:
        if self._value is None:
            raise RuntimeError("Use a unit of work's repositories only inside its `with` block.")
        return self._value

    def take(self) -> T | None:
        value, self._value = self._value, None
        return value
