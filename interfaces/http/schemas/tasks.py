"""Bodies of /tasks."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from domain.tasks import TASK_DESCRIPTION_MAX_LENGTH, TASK_TITLE_MAX_LENGTH, Priority, Task
from interfaces.http.schemas.common import RequestBody, example

# The title's upper bound applies once trimmed, so the domain checks it (a schema maxLength would
# count the surrounding spaces; the body's size limit bounds what arrives). The lower bound holds
# for the raw text as well, and a length constraint keeps pydantic's check for lone surrogates.
TITLE_RULE = f"1 to {TASK_TITLE_MAX_LENGTH} characters once trimmed; stored trimmed."
Title = Field(min_length=1, description=TITLE_RULE)
Description = Field(default=None, max_length=TASK_DESCRIPTION_MAX_LENGTH)


class CreateTaskRequest(RequestBody):
    model_config = example(
        {
            "title": "Buy milk",
            "description": "Two litres, semi-skimmed.",
            "priority": "high",
            "due_date": "2026-12-24",
        }
    )

    title: str = Title
    description: str | None = Description
    completed: bool = False
    priority: Priority = Priority.MEDIUM
    due_date: date | None = None


class UpdateTaskRequest(RequestBody):
    """Any subset of the create fields; `description` and `due_date` may be cleared with null."""

    model_config = example({"completed": True})

    title: str | None = Field(default=None, min_length=1, description=TITLE_RULE)
    description: str | None = Description
    completed: bool | None = None
    priority: Priority | None = None
    due_date: date | None = None

    @model_validator(mode="after")
    def _no_null_required_fields(self) -> "UpdateTaskRequest":
        self.reject_null("title", "completed", "priority")
        return self


class TaskResponse(BaseModel):
    id: uuid.UUID
    title: str
    description: str | None
    completed: bool
    priority: Priority
    due_date: date | None
    owner_id: uuid.UUID
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, task: Task) -> "TaskResponse":
        return cls(
            id=task.id,
            title=task.title,
            description=task.description,
            completed=task.completed,
            priority=task.priority,
            due_date=task.due_date,
            owner_id=task.owner_id,
            created_at=task.created_at,
            updated_at=task.updated_at,
        )
