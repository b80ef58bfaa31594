from typing import Annotated

from fastapi import APIRouter, Depends, status

from application.use_cases.auth.login import Login, LoginCommand
from application.use_cases.auth.register_user import RegisterUser, RegisterUserCommand
from interfaces.http.dependencies import use_case
from interfaces.http.openapi import documented_by, errors
from interfaces.http.password_work import PasswordWorker
from interfaces.http.schemas.common import ErrorBody
from interfaces.http.schemas.mfa import MfaRequiredBody
from interfaces.http.schemas.users import (
    LoginRequest,
    LoginResponse,
    PasswordForm,
    RegisterRequest,
    TokenResponse,
    UserPrivate,
)

router = APIRouter(prefix="/auth", tags=["auth"])

RegisterUserDep = Annotated[RegisterUser, Depends(use_case(lambda c: c.register_user()))]
LoginDep = Annotated[Login, Depends(use_case(lambda c: c.login()))]
# A login's 401 is `invalid_credentials`, or `mfa_required` with the second step's token.
LOGIN_REFUSALS = {
    **errors(403, 422, 429),
    401: {
        "model": MfaRequiredBody | ErrorBody,
        "description": "Wrong credentials (`invalid_credentials`), or a correct password for an "
        "account with a second factor (`mfa_required`, with `mfa_token` and `methods`: complete "
        "the login at `POST /auth/mfa/verify`)",
    },
}


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPrivate,
    responses=errors(409, 422),
    **documented_by(RegisterUser),
)
async def register(
    body: RegisterRequest, register_user: RegisterUserDep, work: PasswordWorker
) -> UserPrivate:
    command = RegisterUserCommand(
        username=body.username,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
    )
    user = await work.run(lambda: register_user.execute(command))
    return UserPrivate.of(user)


@router.post(
    "/login",
    response_model=LoginResponse,
    responses=LOGIN_REFUSALS,
    **documented_by(Login),
)
async def login(body: LoginRequest, login: LoginDep, work: PasswordWorker) -> LoginResponse:
    command = LoginCommand(login=body.login, password=body.password)
    issued = await work.run(lambda: login.execute(command))
    return LoginResponse.of(issued)


@router.post(
    "/token",
    response_model=TokenResponse,
    responses=LOGIN_REFUSALS,
    summary="Log in with a form (the OAuth2 password flow).",
)
async def token(
    form: Annotated[PasswordForm, Depends()],
    login: LoginDep,
    work: PasswordWorker,
) -> TokenResponse:
    """The OAuth2 password flow, for the docs' Authorize button: the same login as
    `POST /auth/login`, with the username (or email) and password sent as form fields. The
    answer is a token pair without the user. For an account with a second factor it answers
    401 `mfa_required` as the login does; the second step is `POST /auth/mfa/verify`."""
    command = LoginCommand(login=form.username, password=form.password)
    issued = await work.run(lambda: login.execute(command))
    return TokenResponse.of(issued)
