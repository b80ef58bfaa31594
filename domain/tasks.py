"""Tasks: private to their owner."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.errors import InvalidField

TASK_TITLE_MAX_LENGTH = 200
TASK_DESCRIPTION_MAX_LENGTH = 5000


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def validate_task_title(value: str) -> str:
    """A title is 1-200 characters once trimmed; it is stored trimmed."""
    title = value.strip()
    if not 1 <= len(title) <= TASK_TITLE_MAX_LENGTH:
        raise InvalidField("title", f"Title must be 1 to {TASK_TITLE_MAX_LENGTH} characters long.")
    return title


def validate_task_description(value: str | None) -> str | None:
    if value is not None and len(value) > TASK_DESCRIPTION_MAX_LENGTH:
        raise InvalidField(
            "description",
            f"Description must be at most {TASK_DESCRIPTION_MAX_LENGTH} characters long.",
        )
    return value


@dataclass
class Task:
    id: uuid.UUID
    owner_id: uuid.UUID
    title: str
    description: str | None
    completed: bool
    priority: Priority
    due_date: date | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        *,
        owner_id: uuid.UUID,
        title: str,
        now: datetime,
        description: str | None = None,
        completed: bool = False,
        priority: Priority = Priority.MEDIUM,
        due_date: date | None = None,
    ) -> "Task":
        return cls(
            id=uuid.uuid4(),
            owner_id=owner_id,
            title=validate_task_title(title),
            description=validate_task_description(description),
            completed=completed,
            priority=priority,
            due_date=due_date,
            created_at=now,
            updated_at=now,
        )

    def is_owned_by(self, user_id: uuid.UUID) -> bool:
        return self.owner_id == user_id
