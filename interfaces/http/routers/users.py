import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status
from starlette.concurrency import run_in_threadpool

from application.pagination import DEFAULT_PAGE_SIZE
from application.use_cases.account.change_password import ChangePassword, ChangePasswordCommand
from application.use_cases.account.deactivate_account import (
    DeactivateAccount,
    DeactivateAccountCommand,
)
from application.use_cases.account.delete_account import DeleteAccount, DeleteAccountCommand
from application.use_cases.account.update_profile import UpdateProfile, UpdateProfileCommand
from application.use_cases.users.get_user import GetUser
from application.use_cases.users.list_users import ListUsers, ListUsersQuery
from interfaces.http.dependencies import CurrentUser, use_case
from interfaces.http.openapi import documented_by, errors
from interfaces.http.paging import Cursor, Limit, Search, page_response
from interfaces.http.password_work import PasswordWorker
from interfaces.http.schemas.common import PageResponse
from interfaces.http.schemas.users import (
    ChangePasswordRequest,
    PasswordConfirmation,
    TokenResponse,
    UpdateProfileRequest,
    UserPrivate,
    UserPublic,
)

router = APIRouter(prefix="/users", tags=["users"], responses=errors(401, 403))


@router.get("/me", response_model=UserPrivate, summary="The caller's own account.")
async def read_me(user: CurrentUser) -> UserPrivate:
    """The caller's own account, with the fields only its owner and admins see (email, role,
    whether it is active, whether the email is verified)."""
    return UserPrivate.of(user)


@router.patch(
    "/me", response_model=UserPrivate, responses=errors(409, 422), **documented_by(UpdateProfile)
)
async def update_me(
    body: UpdateProfileRequest,
    user: CurrentUser,
    update_profile: Annotated[UpdateProfile, Depends(use_case(lambda c: c.update_profile()))],
) -> UserPrivate:
    changes = body.model_dump(exclude_unset=True)
    updated = await run_in_threadpool(
        update_profile.execute, UpdateProfileCommand(user_id=user.id, **changes)
    )
    return UserPrivate.of(updated)


@router.patch(
    "/me/password",
    response_model=TokenResponse,
    responses=errors(400, 422, 429),
    **documented_by(ChangePassword),
)
async def change_my_password(
    body: ChangePasswordRequest,
    user: CurrentUser,
    change_password: Annotated[ChangePassword, Depends(use_case(lambda c: c.change_password()))],
    work: PasswordWorker,
) -> TokenResponse:
    command = ChangePasswordCommand(
        user_id=user.id,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    issued = await work.run(lambda: change_password.execute(command))
    return TokenResponse.of(issued)


@router.patch(
    "/me/deactivate",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(400, 409, 422, 429),
    **documented_by(DeactivateAccount),
)
async def deactivate_me(
    body: PasswordConfirmation,
    user: CurrentUser,
    deactivate: Annotated[DeactivateAccount, Depends(use_case(lambda c: c.deactivate_account()))],
    work: PasswordWorker,
) -> None:
    command = DeactivateAccountCommand(user_id=user.id, password=body.password)
    await work.run(lambda: deactivate.execute(command))


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(400, 409, 422, 429),
    **documented_by(DeleteAccount),
)
async def delete_me(
    body: PasswordConfirmation,
    user: CurrentUser,
    delete: Annotated[DeleteAccount, Depends(use_case(lambda c: c.delete_account()))],
    work: PasswordWorker,
) -> None:
    command = DeleteAccountCommand(user_id=user.id, password=body.password)
    await work.run(lambda: delete.execute(command))


@router.get(
    "", response_model=PageResponse[UserPublic], responses=errors(400), **documented_by(ListUsers)
)
@router.get("/", response_model=PageResponse[UserPublic], include_in_schema=False)
async def list_users(
    user: CurrentUser,
    list_users: Annotated[ListUsers, Depends(use_case(lambda c: c.list_users()))],
    search: Search = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> PageResponse[UserPublic]:
    page = await run_in_threadpool(
        list_users.execute, ListUsersQuery(search=search, limit=limit, cursor=cursor)
    )
    return page_response(page, UserPublic.of)


@router.get(
    "/{user_id}", response_model=UserPublic, responses=errors(404), **documented_by(GetUser)
)
async def read_user(
    user_id: uuid.UUID,
    user: CurrentUser,
    get_user: Annotated[GetUser, Depends(use_case(lambda c: c.get_user()))],
) -> UserPublic:
    return UserPublic.of(await run_in_threadpool(get_user.execute, user_id))
