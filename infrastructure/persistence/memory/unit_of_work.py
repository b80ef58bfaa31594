from types import TracebackType
from typing import Self

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
from application.ports.unit_of_work import AfterCommit, Outgoing
from infrastructure.persistence.memory.action_token_repository import (
    MemoryActionTokenRepository,
)
from infrastructure.persistence.memory.audit_event_repository import MemoryAuditEventRepository
from infrastructure.persistence.memory.database import MemoryDatabase, Tables
from infrastructure.persistence.memory.identity_repository import (
    MemoryIdentityRepository,
    MemoryLoginCodeRepository,
    MemoryOidcFlowRepository,
)
from infrastructure.persistence.memory.mfa_token_repository import MemoryMfaTokenRepository
from infrastructure.persistence.memory.passkey_repository import (
    MemoryPasskeyRepository,
    MemoryWebAuthnChallengeRepository,
)
from infrastructure.persistence.memory.post_repository import MemoryPostRepository
from infrastructure.persistence.memory.recovery_code_repository import (
    MemoryRecoveryCodeRepository,
)
from infrastructure.persistence.memory.session_repository import MemorySessionRepository
from infrastructure.persistence.memory.task_repository import MemoryTaskRepository
from infrastructure.persistence.memory.totp_factor_repository import MemoryTotpFactorRepository
from infrastructure.persistence.memory.user_repository import MemoryUserRepository
from infrastructure.persistence.outbox import Outbox
from infrastructure.persistence.transaction_slot import TransactionSlot


class MemoryUnitOfWork:
    """One transaction on a MemoryDatabase: holds the store's lock while entered, works on a
    private copy of its tables, and publishes that copy only on `commit()`.

    `committed` tells whether the latest `with` block committed (handy in use-case tests).
    """

    def __init__(self, database: MemoryDatabase, after_commit: AfterCommit | None = None) -> None:
        self._database = database
        self._outbox = Outbox(after_commit)
        self._tables: TransactionSlot[Tables] = TransactionSlot()
        self.committed = False
        tables = self._tables.current
        self.users: UserRepository = MemoryUserRepository(tables)
        self.sessions: SessionRepository = MemorySessionRepository(tables)
        self.tasks: TaskRepository = MemoryTaskRepository(tables)
        self.posts: PostRepository = MemoryPostRepository(tables)
        self.action_tokens: ActionTokenRepository = MemoryActionTokenRepository(tables)
        self.audit_events: AuditEventRepository = MemoryAuditEventRepository(tables)
        self.totp_factors: TotpFactorRepository = MemoryTotpFactorRepository(tables)
        self.recovery_codes: RecoveryCodeRepository = MemoryRecoveryCodeRepository(tables)
        self.mfa_tokens: MfaTokenRepository = MemoryMfaTokenRepository(tables)
        self.passkeys: PasskeyRepository = MemoryPasskeyRepository(tables)
        self.webauthn_challenges: WebAuthnChallengeRepository = MemoryWebAuthnChallengeRepository(
            tables
        )
        self.identities: IdentityRepository = MemoryIdentityRepository(tables)
        self.oidc_flows: OidcFlowRepository = MemoryOidcFlowRepository(tables)
        self.login_codes: LoginCodeRepository = MemoryLoginCodeRepository(tables)

    def read_only(self) -> Self:
        self._tables.expect_read_only()
        return self

    def __enter__(self) -> Self:
        self._tables.ensure_empty()
        self._outbox.discard()
        read_only = self._tables.claim_read_only()
        self._tables.fill(self._database.begin(), read_only=read_only)
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Dropping the working copy is the rollback.
        self._outbox.discard()
        if self._tables.take() is not None:
            self._database.end()

    def emit(self, message: Outgoing) -> None:
        self._tables.ensure_writable()
        self._outbox.hold(message, self.audit_events)

    def commit(self) -> None:
        self._tables.ensure_writable()
        self._database.publish(self._tables.current())
        self.committed = True
        self._outbox.release()
