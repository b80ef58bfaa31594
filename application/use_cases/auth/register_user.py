from dataclasses import dataclass

from application.audit import AuditTrail
from application.passwords import check_new_password
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.password_policy import PasswordPolicy
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from application.services.email_verification import VerificationMailer
from application.services.throttling import Throttle
from application.services.uniqueness import ensure_email_free, ensure_username_free
from domain.passwords import normalize_password
from domain.users import User, normalize_email, validate_username


@dataclass(frozen=True)
class RegisterUserCommand:
    username: str
    email: str
    password: str
    full_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterUser:
    """Create an ordinary, active, unverified account, and send it a verification email.

    Rules: the username and email are free (case-insensitively; the database decides a race), the
    password passes the policy, and registration never creates an admin.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    policy: PasswordPolicy
    clock: Clock
    throttle: Throttle
    mailer: VerificationMailer
    audit: AuditTrail

    def execute(self, command: RegisterUserCommand) -> User:
        self.throttle.registration(current_request().ip)
        username = validate_username(command.username)
        email = normalize_email(command.email)
        password = normalize_password(command.password)
        check_new_password(self.policy, password, username=username, email=email)
        with self.uow.read_only() as uow:
            ensure_username_free(uow, username)
            ensure_email_free(uow, email)
        password_hash = self.hasher.hash(password)
        user = User.register(
            username=username,
            email=email,
            password_hash=password_hash,
            full_name=command.full_name,
            now=self.clock.now(),
        )
        with self.uow as uow:
            uow.users.add(user)
            self.mailer.send_link(uow, user)
            self.audit.record(uow, AuditEventType.USER_REGISTERED, user_id=user.id)
            uow.commit()
        return user
