"""Sessions and account recovery: the /auth routes beyond register and login."""

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, status
from starlette.concurrency import run_in_threadpool

from application.use_cases.auth.logout import Logout, LogoutCommand, LogoutEverywhere
from application.use_cases.auth.manage_sessions import (
    ListSessions,
    RevokeSession,
    RevokeSessionCommand,
)
from application.use_cases.auth.refresh_session import RefreshSession, RefreshSessionCommand
from application.use_cases.recovery.forgot_password import ForgotPassword, ForgotPasswordCommand
from application.use_cases.recovery.reset_password import ResetPassword, ResetPasswordCommand
from application.use_cases.recovery.verify_email import (
    RequestEmailVerification,
    VerifyEmail,
    VerifyEmailCommand,
)
from interfaces.http.dependencies import CurrentUser, use_case
from interfaces.http.openapi import documented_by, errors
from interfaces.http.password_work import PasswordWorker
from interfaces.http.schemas.sessions import (
    Accepted,
    ForgotPasswordRequest,
    RefreshTokenRequest,
    ResetPasswordRequest,
    SessionResponse,
    VerifyEmailRequest,
)
from interfaces.http.schemas.users import TokenResponse, UserPrivate

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/refresh", response_model=TokenResponse, responses=errors(401), **documented_by(RefreshSession)
)
async def refresh(
    body: RefreshTokenRequest,
    refresh_session: Annotated[RefreshSession, Depends(use_case(lambda c: c.refresh_session()))],
) -> TokenResponse:
    return TokenResponse.of(
        await run_in_threadpool(refresh_session.execute, RefreshSessionCommand(body.refresh_token))
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, **documented_by(Logout))
async def logout(
    body: RefreshTokenRequest,
    logout: Annotated[Logout, Depends(use_case(lambda c: c.logout()))],
) -> None:
    await run_in_threadpool(logout.execute, LogoutCommand(body.refresh_token))


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403),
    **documented_by(LogoutEverywhere),
)
async def logout_all(
    user: CurrentUser,
    logout: Annotated[LogoutEverywhere, Depends(use_case(lambda c: c.logout_everywhere()))],
) -> None:
    await run_in_threadpool(logout.execute, user)


@router.get(
    "/sessions",
    response_model=list[SessionResponse],
    responses=errors(401, 403),
    **documented_by(ListSessions),
)
async def list_sessions(
    user: CurrentUser,
    list_sessions: Annotated[ListSessions, Depends(use_case(lambda c: c.list_sessions()))],
) -> list[SessionResponse]:
    return [
        SessionResponse.of(session)
        for session in await run_in_threadpool(list_sessions.execute, user)
    ]


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404),
    **documented_by(RevokeSession),
)
async def revoke_session(
    session_id: uuid.UUID,
    user: CurrentUser,
    revoke: Annotated[RevokeSession, Depends(use_case(lambda c: c.revoke_session()))],
) -> None:
    await run_in_threadpool(revoke.execute, RevokeSessionCommand(actor=user, session_id=session_id))


@router.post(
    "/forgot-password",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=errors(429),
    **documented_by(ForgotPassword),
)
async def forgot_password(
    body: ForgotPasswordRequest,
    forgot: Annotated[ForgotPassword, Depends(use_case(lambda c: c.forgot_password()))],
    after_answering: BackgroundTasks,
) -> Accepted:
    send_link = await run_in_threadpool(forgot.execute, ForgotPasswordCommand(body.email))
    # Run once the answer is sent, so a registered address answers as fast as an unknown one.
    after_answering.add_task(send_link)
    return Accepted(message="If this address belongs to an account, a reset link is on its way.")


@router.post(
    "/reset-password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(400),
    **documented_by(ResetPassword),
)
async def reset_password(
    body: ResetPasswordRequest,
    reset: Annotated[ResetPassword, Depends(use_case(lambda c: c.reset_password()))],
    work: PasswordWorker,
) -> None:
    command = ResetPasswordCommand(token=body.token, new_password=body.new_password)
    await work.run(lambda: reset.execute(command))


@router.post(
    "/request-verify",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=errors(401, 403, 429),
    **documented_by(RequestEmailVerification),
)
async def request_verify(
    user: CurrentUser,
    request_verification: Annotated[
        RequestEmailVerification, Depends(use_case(lambda c: c.request_email_verification()))
    ],
) -> Accepted:
    await run_in_threadpool(request_verification.execute, user)
    return Accepted(
        message="If the address is not verified yet, a verification link is on its way."
    )


@router.post(
    "/verify", response_model=UserPrivate, responses=errors(400), **documented_by(VerifyEmail)
)
async def verify(
    body: VerifyEmailRequest,
    verify_email: Annotated[VerifyEmail, Depends(use_case(lambda c: c.verify_email()))],
) -> UserPrivate:
    return UserPrivate.of(
        await run_in_threadpool(verify_email.execute, VerifyEmailCommand(body.token))
    )
