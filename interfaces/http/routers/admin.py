import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status
from starlette.concurrency import run_in_threadpool

from application.pagination import DEFAULT_PAGE_SIZE
from application.ports.audit import AuditEventType
from application.use_cases.admin.change_role import ChangeRole, ChangeRoleCommand
from application.use_cases.admin.delete_user import DeleteUser, DeleteUserCommand
from application.use_cases.admin.get_any_user import GetAnyUser, GetAnyUserQuery
from application.use_cases.admin.list_all_users import ListAllUsers, ListAllUsersQuery
from application.use_cases.admin.list_audit_events import ListAuditEvents, ListAuditEventsQuery
from application.use_cases.admin.set_user_active import (
    ActivateUser,
    DeactivateUser,
    SetUserActiveCommand,
)
from application.use_cases.mfa.reset_mfa import ResetMfa, ResetMfaCommand
from domain.users import Role
from interfaces.http.dependencies import CurrentUser, use_case
from interfaces.http.openapi import documented_by, errors
from interfaces.http.paging import Cursor, Limit, Search, page_response
from interfaces.http.schemas.common import PageResponse
from interfaces.http.schemas.sessions import AuditEventResponse
from interfaces.http.schemas.users import RoleChangeRequest, UserPrivate

# Whether the caller is an admin is the use cases' decision (403 admin_required), not the router's.
router = APIRouter(prefix="/admin", tags=["admin"], responses=errors(401, 403))


@router.get(
    "/users",
    response_model=PageResponse[UserPrivate],
    responses=errors(400),
    **documented_by(ListAllUsers),
)
@router.get("/users/", response_model=PageResponse[UserPrivate], include_in_schema=False)
async def list_all_users(
    admin: CurrentUser,
    list_users: Annotated[ListAllUsers, Depends(use_case(lambda c: c.list_all_users()))],
    include_inactive: bool = True,
    role: Role | None = None,
    search: Search = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> PageResponse[UserPrivate]:
    page = await run_in_threadpool(
        list_users.execute,
        ListAllUsersQuery(
            include_inactive=include_inactive,
            role=role,
            search=search,
            limit=limit,
            cursor=cursor,
            actor=admin,
        ),
    )
    return page_response(page, UserPrivate.of)


@router.get(
    "/users/{user_id}",
    response_model=UserPrivate,
    responses=errors(404),
    **documented_by(GetAnyUser),
)
async def read_any_user(
    user_id: uuid.UUID,
    admin: CurrentUser,
    get_user: Annotated[GetAnyUser, Depends(use_case(lambda c: c.get_any_user()))],
) -> UserPrivate:
    return UserPrivate.of(
        await run_in_threadpool(get_user.execute, GetAnyUserQuery(user=str(user_id), actor=admin))
    )


@router.patch(
    "/users/{user_id}/activate",
    response_model=UserPrivate,
    responses=errors(404),
    **documented_by(ActivateUser),
)
async def activate_user(
    user_id: uuid.UUID,
    admin: CurrentUser,
    activate: Annotated[ActivateUser, Depends(use_case(lambda c: c.activate_user()))],
) -> UserPrivate:
    return UserPrivate.of(
        await run_in_threadpool(
            activate.execute, SetUserActiveCommand(user=str(user_id), actor=admin)
        )
    )


@router.patch(
    "/users/{user_id}/deactivate",
    response_model=UserPrivate,
    responses=errors(404, 409),
    **documented_by(DeactivateUser),
)
async def deactivate_user(
    user_id: uuid.UUID,
    admin: CurrentUser,
    deactivate: Annotated[DeactivateUser, Depends(use_case(lambda c: c.deactivate_user()))],
) -> UserPrivate:
    user = await run_in_threadpool(
        deactivate.execute, SetUserActiveCommand(user=str(user_id), actor=admin)
    )
    return UserPrivate.of(user)


@router.patch(
    "/users/{user_id}/role",
    response_model=UserPrivate,
    responses=errors(404, 409),
    **documented_by(ChangeRole),
)
async def change_role(
    user_id: uuid.UUID,
    body: RoleChangeRequest,
    admin: CurrentUser,
    change: Annotated[ChangeRole, Depends(use_case(lambda c: c.change_role()))],
) -> UserPrivate:
    user = await run_in_threadpool(
        change.execute, ChangeRoleCommand(user=str(user_id), role=body.role, actor=admin)
    )
    return UserPrivate.of(user)


@router.delete(
    "/users/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404, 409),
    **documented_by(DeleteUser),
)
async def delete_user(
    user_id: uuid.UUID,
    admin: CurrentUser,
    delete: Annotated[DeleteUser, Depends(use_case(lambda c: c.delete_user()))],
) -> None:
    await run_in_threadpool(delete.execute, DeleteUserCommand(user=str(user_id), actor=admin))


@router.delete(
    "/users/{user_id}/mfa",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404),
    **documented_by(ResetMfa),
)
async def reset_mfa(
    user_id: uuid.UUID,
    admin: CurrentUser,
    reset: Annotated[ResetMfa, Depends(use_case(lambda c: c.reset_mfa()))],
) -> None:
    await run_in_threadpool(reset.execute, ResetMfaCommand(user=str(user_id), actor=admin))


@router.get(
    "/audit-events",
    response_model=PageResponse[AuditEventResponse],
    responses=errors(400),
    **documented_by(ListAuditEvents),
)
@router.get(
    "/audit-events/", response_model=PageResponse[AuditEventResponse], include_in_schema=False
)
async def list_audit_events(
    admin: CurrentUser,
    list_events: Annotated[ListAuditEvents, Depends(use_case(lambda c: c.list_audit_events()))],
    event_type: AuditEventType | None = None,
    user_id: uuid.UUID | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> PageResponse[AuditEventResponse]:
    page = await run_in_threadpool(
        list_events.execute,
        ListAuditEventsQuery(
            actor=admin, event_type=event_type, user_id=user_id, limit=limit, cursor=cursor
        ),
    )
    return page_response(page, AuditEventResponse.of)
