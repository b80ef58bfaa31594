"""What a unit of work holds while it is entered, shared with the repositories hanging off it."""

from typing import Generic, TypeVar

T = TypeVar("T")


class TransactionSlot(Generic[T]):
    """Empty outside `with`; repositories reach the open transaction through `current()`.

    It also carries the unit of work's read-only mode: `expect_read_only()` marks the next
    transaction, `__enter__` claims the mark (so a failed enter does not leave it for a later
    one), `fill` records it, and `ensure_writable()` refuses to commit under it.
    """

    def __init__(self) -> None:
        self._value: T | None = None
        self._next_read_only = False
        self._read_only = False

    def expect_read_only(self) -> None:
        self._next_read_only = True

    def claim_read_only(self) -> bool:
        """Whether the transaction being opened only reads; clears the mark."""
        read_only, self._next_read_only = self._next_read_only, False
        return read_only

    def ensure_empty(self) -> None:
        # A unit of work is one transaction at a time: nesting `with uow:` is a bug, not a feature.
        if self._value is not None:
            raise RuntimeError("This unit of work is already entered; use another one.")

    def fill(self, value: T, *, read_only: bool = False) -> None:
        self.ensure_empty()
        self._value = value
        self._read_only = read_only

    def current(self) -> T:
        if self._value is None:
            raise RuntimeError("Use a unit of work's repositories only inside its `with` block.")
        return self._value

    def ensure_writable(self) -> None:
        if self._read_only:
            raise RuntimeError("A read-only unit of work cannot commit.")

    def take(self) -> T | None:
        value, self._value = self._value, None
        return value
