from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from application.ports.audit import AuditEvent
from application.ports.email import EmailMessage
from application.ports.repositories import (
    ActionTokenRepository,
    AuditEventRepository,
    IdentityRepository,
    LoginCodeRepository,
    MfaTokenRepository,
    OidcFlowRepository,
    PasskeyRepository,
    PostRepository,
    RecoveryCodeRepository,
    SessionRepository,
    TaskRepository,
    TotpFactorRepository,
    UserRepository,
    WebAuthnChallengeRepository,
)

Outgoing = AuditEvent | EmailMessage
"""What a change tells the world: an audit event, an email."""


class AfterCommit(Protocol):
    def dispatch(self, messages: Sequence[Outgoing]) -> None:
        """Send what a committed transaction emitted: log each audit event, send each email."""
        ...


class UnitOfWork(Protocol):
    """One transaction: rolls back on exit unless `commit()` was called; may be entered again.

    `with uow.read_only():` opens one that only reads and may not commit. It takes no write lock,
    so such reads neither queue behind one another nor wait for a writer.

    A read that decides a write locks its row (`get_for_update`), so that concurrent writers of
    the row wait for each other instead of undoing each other's changes.
    """

    users: UserRepository
    sessions: SessionRepository
    tasks: TaskRepository
    posts: PostRepository
    action_tokens: ActionTokenRepository
    audit_events: AuditEventRepository
    totp_factors: TotpFactorRepository
    recovery_codes: RecoveryCodeRepository
    mfa_tokens: MfaTokenRepository
    passkeys: PasskeyRepository
    webauthn_challenges: WebAuthnChallengeRepository
    identities: IdentityRepository
    oidc_flows: OidcFlowRepository
    login_codes: LoginCodeRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def read_only(self) -> Self:
        """This unit of work, set so that its next transaction only reads (it must not commit)."""
        ...

    def emit(self, message: Outgoing) -> None:
        """Make `message` part of this change: an audit event is stored in this transaction, and
        its log line and every email go out once the transaction commits, never if it does not."""
        ...

    def commit(self) -> None: ...
