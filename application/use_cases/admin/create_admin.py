from dataclasses import dataclass

from application.audit import AuditTrail
from application.passwords import check_new_password
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.password_policy import PasswordPolicy
from application.ports.unit_of_work import UnitOfWork
from application.services.authorization import Actor, AdminGate, actor_id
from application.services.uniqueness import ensure_email_free, ensure_username_free
from domain.passwords import normalize_password
from domain.users import Role, User, normalize_email, validate_username


@dataclass(frozen=True, kw_only=True)
class CreateAdminCommand:
    actor: Actor
    username: str
    email: str
    password: str
    full_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class CreateAdmin:
    """Create an active, verified admin: how the first admin comes to be (from the command line).

    Rules: the same field and password rules as registration.
    """

    uow: UnitOfWork
    hasher: PasswordHasher
    policy: PasswordPolicy
    clock: Clock
    audit: AuditTrail
    gate: AdminGate

    def execute(self, command: CreateAdminCommand) -> User:
        self.gate.authorize(command.actor)
        username = validate_username(command.username)
        email = normalize_email(command.email)
        password = normalize_password(command.password)
        check_new_password(self.policy, password, username=username, email=email)
        with self.uow.read_only() as uow:
            ensure_username_free(uow, username)
            ensure_email_free(uow, email)
        user = User.register(
            username=username,
            email=email,
            password_hash=self.hasher.hash(password),
            full_name=command.full_name,
            now=self.clock.now(),
            role=Role.ADMIN,
            email_verified=True,
        )
        with self.uow as uow:
            uow.users.add(user)
            self.audit.record(
                uow, AuditEventType.ADMIN_CREATED, user_id=user.id, actor_id=actor_id(command.actor)
            )
            uow.commit()
        return user
