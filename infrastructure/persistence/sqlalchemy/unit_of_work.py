"""The SQL unit of work: one transaction per `with` block, and the one place where "the database
cannot be reached" becomes the application's `StorageUnavailable`."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from application.errors import StorageUnavailable
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
from infrastructure.persistence.outage import DatabaseOutageLog
from infrastructure.persistence.outbox import Outbox
from infrastructure.persistence.sqlalchemy.action_token_repository import (
    SqlAlchemyActionTokenRepository,
)
from infrastructure.persistence.sqlalchemy.audit_event_repository import (
    SqlAlchemyAuditEventRepository,
)
from infrastructure.persistence.sqlalchemy.engine import is_database_unreachable, read_only_options
from infrastructure.persistence.sqlalchemy.identity_repository import (
    SqlAlchemyIdentityRepository,
    SqlAlchemyLoginCodeRepository,
    SqlAlchemyOidcFlowRepository,
)
from infrastructure.persistence.sqlalchemy.mfa_token_repository import SqlAlchemyMfaTokenRepository
from infrastructure.persistence.sqlalchemy.passkey_repository import (
    SqlAlchemyPasskeyRepository,
    SqlAlchemyWebAuthnChallengeRepository,
)
from infrastructure.persistence.sqlalchemy.post_repository import SqlAlchemyPostRepository
from infrastructure.persistence.sqlalchemy.recovery_code_repository import (
    SqlAlchemyRecoveryCodeRepository,
)
from infrastructure.persistence.sqlalchemy.session_repository import SqlAlchemySessionRepository
from infrastructure.persistence.sqlalchemy.task_repository import SqlAlchemyTaskRepository
from infrastructure.persistence.sqlalchemy.totp_factor_repository import (
    SqlAlchemyTotpFactorRepository,
)
from infrastructure.persistence.sqlalchemy.user_repository import SqlAlchemyUserRepository
from infrastructure.persistence.transaction_slot import TransactionSlot


@contextmanager
def _unreachable_as_storage_unavailable() -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as error:  # a driver's error, or the pool's wait timing out
        if is_database_unreachable(error):
            raise StorageUnavailable() from error
        raise


class SqlAlchemyUnitOfWork:
    """One database transaction on a fresh connection per `with` block; rolled back on exit
    unless `commit()` was called. Writes after a commit belong to a new transaction.

    A database that cannot be reached surfaces as `StorageUnavailable`, whether it shows on
    connecting, in a repository's statement or on commit. Statements are translated in
    `__exit__`: every repository call happens inside the `with` block, so the exception leaving
    it is the narrowest point that sees them all without wrapping each repository method.
    Each unit of work tells `outage_log` whether it found the database or not, and hands what its
    use case emitted to `after_commit` once it commits.
    """

    def __init__(
        self,
        engine: Engine,
        outage_log: DatabaseOutageLog | None = None,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self._engine = engine
        self._outage_log = outage_log or DatabaseOutageLog()
        self._outbox = Outbox(after_commit)
        self._connection: TransactionSlot[Connection] = TransactionSlot()
        connection = self._connection.current
        self.users: UserRepository = SqlAlchemyUserRepository(connection)
        self.sessions: SessionRepository = SqlAlchemySessionRepository(connection)
        self.tasks: TaskRepository = SqlAlchemyTaskRepository(connection)
        self.posts: PostRepository = SqlAlchemyPostRepository(connection)
        self.action_tokens: ActionTokenRepository = SqlAlchemyActionTokenRepository(connection)
        self.audit_events: AuditEventRepository = SqlAlchemyAuditEventRepository(connection)
        self.totp_factors: TotpFactorRepository = SqlAlchemyTotpFactorRepository(connection)
        self.recovery_codes: RecoveryCodeRepository = SqlAlchemyRecoveryCodeRepository(connection)
        self.mfa_tokens: MfaTokenRepository = SqlAlchemyMfaTokenRepository(connection)
        self.passkeys: PasskeyRepository = SqlAlchemyPasskeyRepository(connection)
        self.webauthn_challenges: WebAuthnChallengeRepository = (
            SqlAlchemyWebAuthnChallengeRepository(connection)
        )
        self.identities: IdentityRepository = SqlAlchemyIdentityRepository(connection)
        self.oidc_flows: OidcFlowRepository = SqlAlchemyOidcFlowRepository(connection)
        self.login_codes: LoginCodeRepository = SqlAlchemyLoginCodeRepository(connection)

    def read_only(self) -> Self:
        self._connection.expect_read_only()
        return self

    def __enter__(self) -> Self:
        self._connection.ensure_empty()
        self._outbox.discard()
        read_only = self._connection.claim_read_only()
        try:
            with _unreachable_as_storage_unavailable():
                connection = self._engine.connect()
                try:
                    if read_only:
                        connection.execution_options(**read_only_options(connection.dialect.name))
                    connection.begin()
                except BaseException:
                    connection.close()
                    raise
        except StorageUnavailable as unavailable:
            self._outage_log.unreachable(unavailable.__cause__ or unavailable)
            raise
        self._connection.fill(connection, read_only=read_only)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._end(exc)
        except StorageUnavailable as unavailable:
            self._outage_log.unreachable(unavailable.__cause__ or unavailable)
            raise
        if isinstance(exc, StorageUnavailable):  # raised by commit() inside the block
            self._outage_log.unreachable(exc.__cause__ or exc)
        else:
            self._outage_log.answered()

    def _end(self, exc: BaseException | None) -> None:
        self._outbox.discard()
        connection = self._connection.take()
        unreachable = exc is not None and is_database_unreachable(exc)
        if connection is not None:
            try:
                with _unreachable_as_storage_unavailable():
                    try:
                        connection.rollback()
                    finally:
                        connection.close()
            except StorageUnavailable:
                # The connection is gone; SQLAlchemy has invalidated it, so the pool will not
                # hand it out again. The original error, if any, is the one worth reporting.
                if exc is None:
                    raise
        if unreachable:
            # Raising here replaces the driver's exception: callers (and the HTTP error table)
            # see one application error, the driver's stays chained for the logs.
            raise StorageUnavailable() from exc

    def emit(self, message: Outgoing) -> None:
        self._connection.ensure_writable()
        self._outbox.hold(message, self.audit_events)

    def commit(self) -> None:
        self._connection.ensure_writable()
        with _unreachable_as_storage_unavailable():
            self._connection.current().commit()
        self._outbox.release()
