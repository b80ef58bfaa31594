"""Passkeys (WebAuthn): add, list and remove them, and sign in with one without a password.

A passkey as the second factor after a password is answered at POST /auth/mfa/verify; its
challenge comes from POST /auth/passkeys/login/options with the username."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from starlette.concurrency import run_in_threadpool

from application.use_cases.passkeys.begin_passkey_login import (
    BeginPasskeyLogin,
    BeginPasskeyLoginCommand,
)
from application.use_cases.passkeys.begin_passkey_registration import (
    BeginPasskeyRegistration,
    BeginPasskeyRegistrationCommand,
)
from application.use_cases.passkeys.list_passkeys import ListPasskeys, ListPasskeysQuery
from application.use_cases.passkeys.passkey_login import PasskeyLogin, PasskeyLoginCommand
from application.use_cases.passkeys.register_passkey import (
    RegisterPasskey,
    RegisterPasskeyCommand,
)
from application.use_cases.passkeys.remove_passkey import RemovePasskey, RemovePasskeyCommand
from interfaces.http.dependencies import CurrentUser, use_case
from interfaces.http.openapi import documented_by, errors
from interfaces.http.password_work import PasswordWorker
from interfaces.http.schemas.passkeys import (
    OPTIONS_DESCRIPTION,
    AccountHolderConfirmation,
    PasskeyLoginOptionsRequest,
    PasskeyLoginRequest,
    PasskeyResponse,
    RegisterPasskeyRequest,
)
from interfaces.http.schemas.users import LoginResponse

router = APIRouter(prefix="/auth/passkeys", tags=["auth"])

# The routes of one's own passkeys take the caller's bearer token: 401 without one, 403 for an
# inactive account, as every authenticated route.
AUTHENTICATED = (401, 403, 422)
OPTIONS: dict[int | str, dict[str, Any]] = {200: {"description": OPTIONS_DESCRIPTION}}
FROM_CONFIGURATION = (
    "The relying party in the options (its ID and name) and the origin credentials must come "
    "from are the server's configuration (`PUBLIC_BASE_URL`, `WEBAUTHN_RP_ID`, "
    "`WEBAUTHN_RP_NAME`), never the request's headers."
)


@router.post(
    "/register/options",
    response_model=dict[str, Any],
    responses=OPTIONS | errors(400, 429, *AUTHENTICATED),
    **documented_by(BeginPasskeyRegistration, note=FROM_CONFIGURATION),
)
async def begin_registration(
    body: AccountHolderConfirmation,
    user: CurrentUser,
    begin: Annotated[
        BeginPasskeyRegistration, Depends(use_case(lambda c: c.begin_passkey_registration()))
    ],
    work: PasswordWorker,
) -> dict[str, Any]:
    command = BeginPasskeyRegistrationCommand(
        user_id=user.id, password=body.password, code=body.code
    )
    return await work.run(lambda: begin.execute(command))


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=PasskeyResponse,
    responses=errors(400, *AUTHENTICATED),
    **documented_by(RegisterPasskey),
)
async def register(
    body: RegisterPasskeyRequest,
    user: CurrentUser,
    register_passkey: Annotated[RegisterPasskey, Depends(use_case(lambda c: c.register_passkey()))],
) -> PasskeyResponse:
    command = RegisterPasskeyCommand(user_id=user.id, credential=body.credential, name=body.name)
    return PasskeyResponse.of(await run_in_threadpool(register_passkey.execute, command))


@router.get(
    "",
    response_model=list[PasskeyResponse],
    responses=errors(401, 403),
    **documented_by(ListPasskeys),
)
async def list_passkeys(
    user: CurrentUser,
    list_them: Annotated[ListPasskeys, Depends(use_case(lambda c: c.list_passkeys()))],
) -> list[PasskeyResponse]:
    passkeys = await run_in_threadpool(list_them.execute, ListPasskeysQuery(user_id=user.id))
    return [PasskeyResponse.of(passkey) for passkey in passkeys]


@router.delete(
    "/{passkey_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(400, 404, 409, 429, *AUTHENTICATED),
    **documented_by(RemovePasskey),
)
async def remove(
    passkey_id: uuid.UUID,
    body: AccountHolderConfirmation,
    user: CurrentUser,
    remove_passkey: Annotated[RemovePasskey, Depends(use_case(lambda c: c.remove_passkey()))],
    work: PasswordWorker,
) -> None:
    command = RemovePasskeyCommand(
        user_id=user.id, passkey_id=passkey_id, password=body.password, code=body.code
    )
    await work.run(lambda: remove_passkey.execute(command))


@router.post(
    "/login/options",
    response_model=dict[str, Any],
    responses=OPTIONS | errors(422, 429),
    **documented_by(BeginPasskeyLogin, note=FROM_CONFIGURATION),
)
async def begin_login(
    body: PasskeyLoginOptionsRequest,
    begin: Annotated[BeginPasskeyLogin, Depends(use_case(lambda c: c.begin_passkey_login()))],
) -> dict[str, Any]:
    command = BeginPasskeyLoginCommand(username=body.username)
    return await run_in_threadpool(begin.execute, command)


@router.post(
    "/login",
    response_model=LoginResponse,
    responses=errors(401, 403, 422),
    **documented_by(PasskeyLogin),
)
async def login(
    body: PasskeyLoginRequest,
    passkey_login: Annotated[PasskeyLogin, Depends(use_case(lambda c: c.passkey_login()))],
) -> LoginResponse:
    command = PasskeyLoginCommand(body.credential)
    return LoginResponse.of(await run_in_threadpool(passkey_login.execute, command))
