"""The admin pages: every account (search, filters, activate, deactivate, role, delete) and the
audit log.

Who may see them is the admin use cases' decision, exactly as for the API's /admin routes: every
page runs one, the lists and the delete confirmation included, and a plain user's AdminRequired
becomes the 403 page (errors.py). These routes only parse, call and render.
"""

import uuid
from collections.abc import Callable, Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from application.ports.audit import AuditEventType
from application.use_cases.admin.change_role import ChangeRoleCommand
from application.use_cases.admin.delete_user import DeleteUserCommand
from application.use_cases.admin.get_any_user import GetAnyUserQuery
from application.use_cases.admin.list_all_users import ListAllUsersQuery
from application.use_cases.admin.list_audit_events import ListAuditEventsQuery
from application.use_cases.admin.set_user_active import SetUserActiveCommand
from application.use_cases.auth.authenticate_browser_session import BrowserVisit
from domain.errors import LastAdmin
from domain.users import Role
from interfaces.web.dependencies import ContainerDep, Form, PagesDep, Visit, in_worker
from interfaces.web.forms import FieldErrors
from interfaces.web.pages import Pages, see_other

router = APIRouter(prefix="/admin")

USERS_URL = "/app/admin/users"
AUDIT_URL = "/app/admin/audit"
USERS_PAGE_SIZE = 20
AUDIT_PAGE_SIZE = 25

# The choices of the filters' selects, as the query string carries them ("" is "any").
ROLE_CHOICES: dict[str, Role | None] = {"": None, **{role.value: role for role in Role}}
# The API's include_inactive: every account by default, or the active ones only.
STATUS_CHOICES: dict[str, bool] = {"": True, "active": False}

SearchText = Annotated[str | None, Query(max_length=200)]
Choice = Annotated[str | None, Query(max_length=100)]
Cursor = Annotated[str | None, Query(max_length=512)]


@router.get("")
@router.get("/")
async def admin_home() -> Response:
    # Nothing of its own to show; the users page checks who may see it.
    return see_other(USERS_URL)


@router.get("/users")
async def users_page(
    request: Request,
    visit: Visit,
    pages: PagesDep,
    container: ContainerDep,
    search: SearchText = None,
    role: Choice = None,
    status: Choice = None,
    cursor: Cursor = None,
) -> Response:
    shown = {"search": (search or "").strip(), "role": role or "", "status": status or ""}
    errors: FieldErrors = {}
    if shown["role"] not in ROLE_CHOICES:
        errors["role"] = "Choose a role from the list."
    if shown["status"] not in STATUS_CHOICES:
        errors["status"] = "Choose which accounts to show from the list."
    # Run even when a filter is wrong: the use case decides whether this person may be here.
    query = ListAllUsersQuery(
        actor=visit.user,
        search=shown["search"] or None,
        role=ROLE_CHOICES.get(shown["role"]),
        include_inactive=STATUS_CHOICES.get(shown["status"], True),
        limit=USERS_PAGE_SIZE,
        cursor=cursor,
    )
    list_users = container.list_all_users()
    page = await in_worker(request, lambda: list_users.execute(query))
    context = {
        "page": page,
        "form": shown,
        "errors": errors,
        "roles": [choice.value for choice in Role],
        "list_url": url_with(USERS_URL, shown),
        # Where an action on this page comes back to: the same filters and page.
        "here": url_with(USERS_URL, {**shown, "cursor": cursor or ""}),
    }
    return pages.render(
        request, "admin/users.html", context, user=visit.user, status_code=422 if errors else 200
    )


@router.post("/users/{user_id}/activate")
async def activate_user(
    request: Request, user_id: str, visit: Visit, form: Form, container: ContainerDep
) -> Response:
    command = SetUserActiveCommand(actor=visit.user, user=user_reference(user_id))
    activate = container.activate_user()
    await in_worker(request, lambda: activate.execute(command))
    return see_other(with_notice(back_to(form.get("back")), "user_activated"))


@router.post("/users/{user_id}/deactivate")
async def deactivate_user(
    request: Request,
    user_id: str,
    visit: Visit,
    form: Form,
    pages: PagesDep,
    container: ContainerDep,
) -> Response:
    command = SetUserActiveCommand(actor=visit.user, user=user_reference(user_id))
    deactivate = container.deactivate_user()
    back = back_to(form.get("back"))
    refused = await refused_as_last_admin(request, lambda: deactivate.execute(command))
    if refused is not None:
        return last_admin_page(request, pages, visit, refused, back)
    return see_other(with_notice(back, "user_deactivated"))


@router.post("/users/{user_id}/role")
async def change_role(
    request: Request,
    user_id: str,
    visit: Visit,
    form: Form,
    pages: PagesDep,
    container: ContainerDep,
) -> Response:
    new_role = ROLE_CHOICES.get(form.get("role", ""))
    if new_role is None:
        # The page's buttons always send a role: anything else was not made by it.
        raise HTTPException(400)
    command = ChangeRoleCommand(actor=visit.user, user=user_reference(user_id), role=new_role)
    change = container.change_role()
    back = back_to(form.get("back"))
    refused = await refused_as_last_admin(request, lambda: change.execute(command))
    if refused is not None:
        return last_admin_page(request, pages, visit, refused, back)
    return see_other(with_notice(back, "user_role_changed"))


@router.get("/users/{user_id}/delete")
async def delete_user_page(
    request: Request,
    user_id: str,
    visit: Visit,
    pages: PagesDep,
    container: ContainerDep,
    back: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    # Deleting cannot be undone, so the list's "Delete" asks first, on a page of its own.
    query = GetAnyUserQuery(actor=visit.user, user=user_reference(user_id))
    get_user = container.get_any_user()
    account = await in_worker(request, lambda: get_user.execute(query))
    context = {"account": account, "back": back_to(back)}
    return pages.render(request, "admin/delete_user.html", context, user=visit.user)


@router.post("/users/{user_id}/delete")
async def delete_user(
    request: Request,
    user_id: str,
    visit: Visit,
    form: Form,
    pages: PagesDep,
    container: ContainerDep,
) -> Response:
    command = DeleteUserCommand(actor=visit.user, user=user_reference(user_id))
    delete = container.delete_user()
    back = back_to(form.get("back"))
    refused = await refused_as_last_admin(request, lambda: delete.execute(command))
    if refused is not None:
        return last_admin_page(request, pages, visit, refused, back)
    return see_other(with_notice(back, "user_deleted"))


@router.get("/audit")
async def audit_page(
    request: Request,
    visit: Visit,
    pages: PagesDep,
    container: ContainerDep,
    event_type: Choice = None,
    user_id: SearchText = None,
    cursor: Cursor = None,
) -> Response:
    shown = {"event_type": event_type or "", "user_id": (user_id or "").strip()}
    errors: FieldErrors = {}
    chosen_type: AuditEventType | None = None
    if shown["event_type"]:
        try:
            chosen_type = AuditEventType(shown["event_type"])
        except ValueError:
            errors["event_type"] = "Choose an event type from the list."
    chosen_user: uuid.UUID | None = None
    if shown["user_id"]:
        try:
            chosen_user = uuid.UUID(shown["user_id"])
        except ValueError:
            errors["user_id"] = "Not a user id (32 hexadecimal digits)."
    # Run even when a filter is wrong: the use case decides whether this person may be here.
    query = ListAuditEventsQuery(
        actor=visit.user,
        event_type=chosen_type,
        user_id=chosen_user,
        limit=AUDIT_PAGE_SIZE,
        cursor=cursor,
    )
    list_events = container.list_audit_events()
    page = await in_worker(request, lambda: list_events.execute(query))
    context = {
        "page": page,
        "form": shown,
        "errors": errors,
        "event_types": [choice.value for choice in AuditEventType],
        "list_url": url_with(AUDIT_URL, shown),
    }
    return pages.render(
        request, "admin/audit.html", context, user=visit.user, status_code=422 if errors else 200
    )


def user_reference(user_id: str) -> str:
    """The path's user id for a use case; not an id at all is a page that does not exist (the
    use cases would also take a username, which these pages never link to)."""
    try:
        return str(uuid.UUID(user_id))
    except ValueError:
        raise HTTPException(404) from None


def url_with(path: str, parameters: Mapping[str, str]) -> str:
    """`path` with the parameters that are set, as a query string."""
    query = urlencode({name: value for name, value in parameters.items() if value})
    return f"{path}?{query}" if query else path


def back_to(target: str | None) -> str:
    """Where an action returns to: the users page it came from (its filters and page), never
    anywhere else."""
    if not target or "//" in target or "\\" in target:
        return USERS_URL
    if target != USERS_URL and not target.startswith(USERS_URL + "?"):
        return USERS_URL
    if any(ord(character) < 32 for character in target):
        return USERS_URL
    return target


def with_notice(url: str, notice: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}notice={notice}"


async def refused_as_last_admin(request: Request, change: Callable[[], object]) -> LastAdmin | None:
    """Run an admin's change; the last-admin refusal comes back to be shown, not raised."""
    try:
        await in_worker(request, change)
    except LastAdmin as refused:
        return refused
    return None


def last_admin_page(
    request: Request, pages: Pages, visit: BrowserVisit, refused: LastAdmin, back: str
) -> Response:
    """The 409 page: what was refused and why, and the way back to the list."""
    context = {"explanation": refused.detail, "back": back}
    return pages.render(request, "admin/last_admin.html", context, user=visit.user, status_code=409)
