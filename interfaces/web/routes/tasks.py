"""A person's own tasks: list (filters, search, pages), create, edit, complete, delete.

Every rule (whose task it is, what a title may be) is the use cases'; these routes only turn forms
and query strings into commands, and answers into pages or redirects.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from application.errors import InvalidCursor
from application.pagination import Page
from application.use_cases.tasks.create_task import CreateTaskCommand
from application.use_cases.tasks.get_task import TaskReference
from application.use_cases.tasks.list_tasks import ListTasksQuery
from application.use_cases.tasks.update_task import UpdateTaskCommand
from domain.errors import DomainError, TaskNotFound
from domain.tasks import (
    TASK_DESCRIPTION_MAX_LENGTH,
    TASK_TITLE_MAX_LENGTH,
    Priority,
    Task,
    validate_task_description,
    validate_task_title,
)
from domain.users import User
from interfaces.web.dependencies import ContainerDep, Form, PagesDep, Visit, in_worker
from interfaces.web.forms import (
    FieldErrors,
    each_field_error,
    field_errors,
    local_path,
    optional_text,
)
from interfaces.web.pages import see_other

router = APIRouter(prefix="/tasks")

PAGE_SIZE = 20
# The same bounds as the JSON API's query parameters (interfaces/http/paging.py).
SEARCH_MAX_LENGTH = 200
CURSOR_MAX_LENGTH = 512

# What the "Status" filter's choices mean to ListTasks.
COMPLETED_CHOICES = {"": None, "false": False, "true": True}
BAD_DATE = "Enter a date as YYYY-MM-DD, or leave it empty."
BAD_PRIORITY = "Choose low, medium or high."
BAD_PRIORITY_FILTER = "Choose any, low, medium or high."

# Shown beside the forms, so that a person knows the bounds before the server says so.
LIMITS = {"title": TASK_TITLE_MAX_LENGTH, "description": TASK_DESCRIPTION_MAX_LENGTH}


@dataclass(frozen=True)
class TaskFilters:
    """The list's filters as the query string gives them (text, so the form shows them back)."""

    search: str
    completed: str
    priority: str
    due_before: str

    def as_query(self) -> dict[str, str]:
        """The filters that are set, for links that keep them (the pager, the form's `next`)."""
        names = ("q", "completed", "priority", "due_before")
        values = (self.search, self.completed, self.priority, self.due_before)
        return {name: value for name, value in zip(names, values, strict=True) if value}


def _list_url(filters: TaskFilters, cursor: str | None = None) -> str:
    query = filters.as_query()
    if cursor:
        query["cursor"] = cursor
    return f"/app/tasks?{urlencode(query)}" if query else "/app/tasks"


def _parse_filters(
    actor: User, filters: TaskFilters, cursor: str | None
) -> tuple[ListTasksQuery | None, FieldErrors]:
    errors: FieldErrors = {}
    if len(filters.search) > SEARCH_MAX_LENGTH:
        errors["q"] = f"Search must be at most {SEARCH_MAX_LENGTH} characters long."
    if filters.completed not in COMPLETED_CHOICES:
        errors["completed"] = "Choose all, not done or done."
    priority = None
    if filters.priority:
        priority = _priority(filters.priority, errors, "priority", BAD_PRIORITY_FILTER)
    due_before = _date(filters.due_before, errors, "due_before")
    if errors:
        return None, errors
    if cursor is not None and len(cursor) > CURSOR_MAX_LENGTH:
        raise InvalidCursor()
    query = ListTasksQuery(
        actor=actor,
        completed=COMPLETED_CHOICES[filters.completed],
        priority=priority,
        due_before=due_before,
        search=filters.search or None,
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    return query, errors


def _priority(
    text: str, errors: FieldErrors, field: str, message: str = BAD_PRIORITY
) -> Priority | None:
    try:
        return Priority(text)
    except ValueError:
        errors[field] = message
        return None


def _date(text: str, errors: FieldErrors, field: str) -> date | None:
    """A date input's value (YYYY-MM-DD); empty means none."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = BAD_DATE
        return None


def _task_id(text: str) -> uuid.UUID:
    # A path that is no task id names no task: the same 404 page as someone else's task.
    try:
        return uuid.UUID(text)
    except ValueError:
        raise TaskNotFound() from None


def _form_of(task: Task) -> dict[str, str]:
    """A task as the edit form shows it."""
    form = {
        "title": task.title,
        "description": task.description or "",
        "priority": task.priority.value,
        "due_date": task.due_date.isoformat() if task.due_date else "",
    }
    if task.completed:
        form["completed"] = "on"
    return form


@dataclass(frozen=True)
class TaskInput:
    """The fields the create and edit forms share, parsed; `errors` holds what did not parse."""

    title: str
    description: str | None
    priority: Priority
    due_date: date | None
    errors: FieldErrors


def _task_input(form: dict[str, str]) -> TaskInput:
    # Browsers send a textarea's line breaks as CRLF; one character each, as the person typed it.
    title = form.get("title", "")
    description = optional_text(form.get("description", "").replace("\r\n", "\n"))
    # The domain's own checks, field by field, so that every wrong field shows at once (the use
    # case checks them again and would stop at the first).
    errors = each_field_error(
        {
            "title": lambda: validate_task_title(title),
            "description": lambda: validate_task_description(description),
        }
    )
    priority = _priority(form.get("priority", ""), errors, "priority")
    return TaskInput(
        title=title,
        description=description,
        priority=priority or Priority.MEDIUM,
        due_date=_date(form.get("due_date", "").strip(), errors, "due_date"),
        errors=errors,
    )


def _shown_again(form: dict[str, str]) -> dict[str, str]:
    # Only the task's own fields: no CSRF token, no stray names.
    names = ("title", "description", "priority", "due_date", "completed")
    return {name: form[name] for name in names if name in form}


def _with_notice(url: str, notice: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}notice={notice}"


@router.get("")
async def list_tasks(
    request: Request,
    visit: Visit,
    pages: PagesDep,
    container: ContainerDep,
    q: Annotated[str, Query()] = "",
    completed: Annotated[str, Query()] = "",
    priority: Annotated[str, Query()] = "",
    due_before: Annotated[str, Query()] = "",
    cursor: Annotated[str | None, Query()] = None,
) -> Response:
    filters = TaskFilters(
        search=q.strip(),
        completed=completed.strip(),
        priority=priority.strip(),
        due_before=due_before.strip(),
    )
    query, errors = _parse_filters(visit.user, filters, cursor or None)
    page: Page[Task] = Page(items=[], next_cursor=None)
    if query is not None:
        list_own_tasks = container.list_tasks()
        page = await in_worker(request, lambda: list_own_tasks.execute(query))
    context = {
        "page": page,
        "filters": filters,
        "filtered": bool(filters.as_query()),
        "errors": errors,
        "first_page": _list_url(filters) if cursor else None,
        "pager_base": _list_url(filters),
        # Where a "Mark complete" button brings the person back to: this very list.
        "here": _list_url(filters, cursor),
    }
    return pages.render(
        request, "tasks.html", context, user=visit.user, status_code=422 if errors else 200
    )


@router.get("/new")
async def new_task_page(request: Request, visit: Visit, pages: PagesDep) -> Response:
    context = {"form": {"priority": Priority.MEDIUM.value}, "errors": {}, "limits": LIMITS}
    return pages.render(request, "task_new.html", context, user=visit.user)


@router.post("")
async def create_task(
    request: Request, visit: Visit, form: Form, pages: PagesDep, container: ContainerDep
) -> Response:
    fields = _task_input(form)
    errors = fields.errors
    if not errors:
        command = CreateTaskCommand(
            actor=visit.user,
            title=fields.title,
            description=fields.description,
            priority=fields.priority,
            due_date=fields.due_date,
        )
        create = container.create_task()
        try:
            await in_worker(request, lambda: create.execute(command))
        except DomainError as error:
            errors = _errors_or_raise(error)
    if errors:
        context = {"form": _shown_again(form), "errors": errors, "limits": LIMITS}
        return pages.render(request, "task_new.html", context, user=visit.user, status_code=422)
    return see_other("/app/tasks?notice=task_created")


@router.get("/{task_id}")
async def task_page(
    request: Request, task_id: str, visit: Visit, pages: PagesDep, container: ContainerDep
) -> Response:
    reference = TaskReference(actor=visit.user, task_id=_task_id(task_id))
    get_task = container.get_task()
    task = await in_worker(request, lambda: get_task.execute(reference))
    context = {"task_id": task.id, "form": _form_of(task), "errors": {}, "limits": LIMITS}
    return pages.render(request, "task.html", context, user=visit.user)


@router.post("/{task_id}")
async def edit_task(
    request: Request,
    task_id: str,
    visit: Visit,
    form: Form,
    pages: PagesDep,
    container: ContainerDep,
) -> Response:
    own_task_id = _task_id(task_id)
    fields = _task_input(form)
    errors = fields.errors
    if not errors:
        command = UpdateTaskCommand(
            actor=visit.user,
            task_id=own_task_id,
            title=fields.title,
            description=fields.description,
            completed="completed" in form,
            priority=fields.priority,
            due_date=fields.due_date,
        )
        update = container.update_task()
        try:
            await in_worker(request, lambda: update.execute(command))
        except DomainError as error:
            errors = _errors_or_raise(error)
    if errors:
        context = {
            "task_id": own_task_id,
            "form": _shown_again(form),
            "errors": errors,
            "limits": LIMITS,
        }
        return pages.render(request, "task.html", context, user=visit.user, status_code=422)
    return see_other(f"/app/tasks/{own_task_id}?notice=task_saved")


@router.post("/{task_id}/complete")
async def mark_task(
    request: Request, task_id: str, visit: Visit, form: Form, container: ContainerDep
) -> Response:
    """Mark a task complete (`completed=true`) or not complete (`completed=false`)."""
    own_task_id = _task_id(task_id)
    completed = form.get("completed") == "true"
    command = UpdateTaskCommand(actor=visit.user, task_id=own_task_id, completed=completed)
    update = container.update_task()
    await in_worker(request, lambda: update.execute(command))
    back_to = local_path(form.get("next"), default=f"/app/tasks/{own_task_id}")
    return see_other(_with_notice(back_to, "task_completed" if completed else "task_reopened"))


@router.get("/{task_id}/delete")
async def delete_task_page(
    request: Request, task_id: str, visit: Visit, pages: PagesDep, container: ContainerDep
) -> Response:
    """The confirmation step: what will be deleted, and the one button that does it."""
    reference = TaskReference(actor=visit.user, task_id=_task_id(task_id))
    get_task = container.get_task()
    task = await in_worker(request, lambda: get_task.execute(reference))
    return pages.render(request, "task_delete.html", {"task": task}, user=visit.user)


@router.post("/{task_id}/delete")
async def delete_task(
    request: Request, task_id: str, visit: Visit, form: Form, container: ContainerDep
) -> Response:
    reference = TaskReference(actor=visit.user, task_id=_task_id(task_id))
    delete = container.delete_task()
    await in_worker(request, lambda: delete.execute(reference))
    return see_other("/app/tasks?notice=task_deleted")


def _errors_or_raise(error: DomainError) -> FieldErrors:
    """A field's error goes next to its field; any other (not found, …) is the error page."""
    errors = field_errors(error)
    if errors is None:
        raise error
    return errors
