"""A point of comparison for `bench.run --fastapi-users`: the SQLAlchemy example of fastapi-users'
documentation ("Full example"), in one module: a User table, a UserManager, a JWT bearer backend and
the routers /auth/jwt/login, /auth/register, /auth/forgot-password, /auth/request-verify-token and
/users/me, on SQLite through aiosqlite. Its tables are created at startup, as in the example.

fastapi-users is not one of Tessera's dependencies: `bench.run` installs it in a throwaway virtual
environment of its temporary folder and serves this module from there, with one uvicorn worker,
uvloop and httptools, as it serves Tessera. Two settings come from the environment:

    FASTAPI_USERS_DATABASE_URL   default sqlite+aiosqlite:///./fastapi-users.db
    FASTAPI_USERS_SECRET         the JWT and token secret (required)
"""

# fastapi-users is installed only where this module runs, not where mypy checks the project: its
# names are Any here, and the example's classes and decorators are built on them.
# mypy: allow-subclassing-any, allow-untyped-decorators

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas  # type: ignore[import-not-found]
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy  # type: ignore[import-not-found]
from fastapi_users.db import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase  # type: ignore[import-not-found]
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

DATABASE_URL = os.environ.get(
    "FASTAPI_USERS_DATABASE_URL", "sqlite+aiosqlite:///./fastapi-users.db"
)
SECRET = os.environ["FASTAPI_USERS_SECRET"]


# The database (the example's db.py).


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    pass


engine = create_async_engine(DATABASE_URL)
async_session_maker = async_sessionmaker(engine, expire_on_commit=False)


async def create_db_and_tables() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)


async def get_async_session() -> AsyncIterator[AsyncSession]:
    async with async_session_maker() as session:
        yield session


async def get_user_db(
    session: AsyncSession = Depends(get_async_session),  # noqa: B008 (the example's style)
) -> AsyncIterator[SQLAlchemyUserDatabase]:
    yield SQLAlchemyUserDatabase(session, User)


# The schemas (the example's schemas.py).


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


class UserUpdate(schemas.BaseUserUpdate):
    pass


# The user manager and the authentication backend (the example's users.py).


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET

    async def on_after_register(self, user: User, request: Request | None = None) -> None:
        print(f"User {user.id} has registered.")

    async def on_after_forgot_password(
        self, user: User, token: str, request: Request | None = None
    ) -> None:
        print(f"User {user.id} has forgot their password. Reset token: {token}")

    async def on_after_request_verify(
        self, user: User, token: str, request: Request | None = None
    ) -> None:
        print(f"Verification requested for user {user.id}. Verification token: {token}")


async def get_user_manager(
    user_db: SQLAlchemyUserDatabase = Depends(get_user_db),  # noqa: B008 (the example's style)
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db)


bearer_transport = BearerTransport(tokenUrl="auth/jwt/login")


def get_jwt_strategy() -> JWTStrategy:
    return JWTStrategy(secret=SECRET, lifetime_seconds=3600)


auth_backend = AuthenticationBackend(
    name="jwt", transport=bearer_transport, get_strategy=get_jwt_strategy
)

fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])

current_active_user = fastapi_users.current_user(active=True)


# The app (the example's app.py).


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await create_db_and_tables()  # the example's stand-in for migrations
    yield


app = FastAPI(lifespan=lifespan)
app.include_router(fastapi_users.get_auth_router(auth_backend), prefix="/auth/jwt", tags=["auth"])
app.include_router(
    fastapi_users.get_register_router(UserRead, UserCreate), prefix="/auth", tags=["auth"]
)
app.include_router(fastapi_users.get_reset_password_router(), prefix="/auth", tags=["auth"])
app.include_router(fastapi_users.get_verify_router(UserRead), prefix="/auth", tags=["auth"])
app.include_router(
    fastapi_users.get_users_router(UserRead, UserUpdate), prefix="/users", tags=["users"]
)


@app.get("/authenticated-route")
async def authenticated_route(user: User = Depends(current_active_user)) -> dict[str, str]:  # noqa: B008
    return {"message": f"Hello {user.email}!"}
