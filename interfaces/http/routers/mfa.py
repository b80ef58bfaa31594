"""The second factor: an authenticator app (TOTP) with recovery codes, and the second step of a
login. Its admin side (DELETE /admin/users/{id}/mfa) is with the other admin routes."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from starlette.concurrency import run_in_threadpool

from application.use_cases.mfa.confirm_totp import ConfirmTotp, ConfirmTotpCommand
from application.use_cases.mfa.disable_totp import DisableTotp, DisableTotpCommand
from application.use_cases.mfa.regenerate_recovery_codes import (
    RegenerateRecoveryCodes,
    RegenerateRecoveryCodesCommand,
)
from application.use_cases.mfa.set_up_totp import SetUpTotp, SetUpTotpCommand
from application.use_cases.mfa.verify_mfa import VerifyMfa, VerifyMfaCommand
from interfaces.http.dependencies import CurrentCaller, CurrentUser, use_case
from interfaces.http.openapi import documented_by, errors
from interfaces.http.password_work import PasswordWorker
from interfaces.http.schemas.mfa import (
    ConfirmTotpRequest,
    PasswordAndCode,
    RecoveryCodesResponse,
    TotpSetupResponse,
    VerifyMfaRequest,
)
from interfaces.http.schemas.users import LoginResponse, PasswordConfirmation

router = APIRouter(prefix="/auth/mfa", tags=["auth"])

# The routes that change a factor take the caller's bearer token: 401 without one, 403 for an
# inactive account, as every authenticated route.
AUTHENTICATED = (401, 403, 422)


@router.post(
    "/totp/setup",
    response_model=TotpSetupResponse,
    responses=errors(400, 409, 429, *AUTHENTICATED),
    **documented_by(SetUpTotp),
)
async def set_up_totp(
    body: PasswordConfirmation,
    user: CurrentUser,
    set_up: Annotated[SetUpTotp, Depends(use_case(lambda c: c.set_up_totp()))],
    work: PasswordWorker,
) -> TotpSetupResponse:
    command = SetUpTotpCommand(user_id=user.id, password=body.password)
    return TotpSetupResponse.of(await work.run(lambda: set_up.execute(command)))


@router.post(
    "/totp/confirm",
    response_model=RecoveryCodesResponse,
    responses=errors(400, 409, *AUTHENTICATED),
    **documented_by(ConfirmTotp),
)
async def confirm_totp(
    body: ConfirmTotpRequest,
    caller: CurrentCaller,
    confirm: Annotated[ConfirmTotp, Depends(use_case(lambda c: c.confirm_totp()))],
) -> RecoveryCodesResponse:
    command = ConfirmTotpCommand(
        user_id=caller.user.id, code=body.code, keep_session=caller.session_id
    )
    return RecoveryCodesResponse(recovery_codes=await run_in_threadpool(confirm.execute, command))


@router.delete(
    "/totp",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(400, 409, 429, *AUTHENTICATED),
    **documented_by(DisableTotp),
)
async def disable_totp(
    body: PasswordAndCode,
    user: CurrentUser,
    disable: Annotated[DisableTotp, Depends(use_case(lambda c: c.disable_totp()))],
    work: PasswordWorker,
) -> None:
    command = DisableTotpCommand(user_id=user.id, password=body.password, code=body.code)
    await work.run(lambda: disable.execute(command))


@router.post(
    "/recovery-codes",
    response_model=RecoveryCodesResponse,
    responses=errors(400, 409, 429, *AUTHENTICATED),
    **documented_by(RegenerateRecoveryCodes),
)
async def regenerate_recovery_codes(
    body: PasswordAndCode,
    user: CurrentUser,
    regenerate: Annotated[
        RegenerateRecoveryCodes, Depends(use_case(lambda c: c.regenerate_recovery_codes()))
    ],
    work: PasswordWorker,
) -> RecoveryCodesResponse:
    command = RegenerateRecoveryCodesCommand(
        user_id=user.id, password=body.password, code=body.code
    )
    return RecoveryCodesResponse(recovery_codes=await work.run(lambda: regenerate.execute(command)))


@router.post(
    "/verify",
    response_model=LoginResponse,
    responses=errors(401, 422, 429),
    **documented_by(VerifyMfa),
)
async def verify(
    body: VerifyMfaRequest,
    verify_mfa: Annotated[VerifyMfa, Depends(use_case(lambda c: c.verify_mfa()))],
) -> LoginResponse:
    command = VerifyMfaCommand(mfa_token=body.mfa_token, code=body.code, passkey=body.passkey)
    return LoginResponse.of(await run_in_threadpool(verify_mfa.execute, command))
