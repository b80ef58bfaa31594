"""Building use cases and accounts in a World, so tests say only what matters to them."""

from application.services.authorization import OPERATOR
from application.services.session_tokens import IssuedTokens
from application.use_cases.admin.create_admin import CreateAdminCommand
from application.use_cases.auth.login import Login, LoginCommand
from application.use_cases.auth.register_user import RegisterUserCommand
from domain.users import User
from tests.unit.conftest import STRONG_PASSWORD, World


def register(
    world: World,
    username: str = "alice",
    email: str | None = None,
    password: str = STRONG_PASSWORD,
    full_name: str | None = None,
) -> User:
    use_case = world.container.register_user()
    return use_case.execute(
        RegisterUserCommand(
            username=username,
            email=email or f"{username}@example.com",
            password=password,
            full_name=full_name,
        )
    )


def create_admin(world: World, username: str = "root", password: str = STRONG_PASSWORD) -> User:
    use_case = world.container.create_admin()
    return use_case.execute(
        CreateAdminCommand(
            actor=OPERATOR, username=username, email=f"{username}@example.com", password=password
        )
    )


def login_use_case(world: World, *, require_email_verification: bool = False) -> Login:
    return world.container.login(require_email_verification=require_email_verification)


def log_in(world: World, login: str = "alice", password: str = STRONG_PASSWORD) -> IssuedTokens:
    return login_use_case(world).execute(LoginCommand(login=login, password=password))


def stored(world: World, user: User) -> User:
    with world.uow() as uow:
        found = uow.users.get(user.id)
    assert found is not None
    return found
