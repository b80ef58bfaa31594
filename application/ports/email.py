from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    body: str


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message over for delivery without keeping the caller waiting on the network.

        A delivery failure is the adapter's to log and report (see `on_failure`), never the caller's.
        """
        ...
