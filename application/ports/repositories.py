import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from application.pagination import PageKey
from application.ports.audit import AuditEvent, AuditEventType
from domain.action_tokens import ActionPurpose, ActionToken
from domain.identities import Identity, LoginCode, OidcFlow
from domain.mfa import MfaToken, RecoveryCode, TotpFactor
from domain.passkeys import Passkey, WebAuthnChallenge
from domain.posts import Post
from domain.sessions import AuthSession
from domain.tasks import Priority, Task
from domain.users import Role, User


@dataclass(frozen=True)
class UserFilter:
    search: str | None = None
    """Case-insensitive literal substring of the username or the full name."""
    active: bool | None = None
    role: Role | None = None


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Raise UsernameTaken or EmailTaken when the store's unique rule refuses the user."""
        ...

    def update(self, user: User) -> None:
        """Store every field of `user`; the same unique rules as `add` apply.

        Never lowers the stored `token_version`: revocation only moves forward.
        """
        ...

    def delete(self, user_id: uuid.UUID) -> None:
        """Remove the user and everything they own (sessions, tasks, posts)."""
        ...

    def get(self, user_id: uuid.UUID) -> User | None: ...

    def get_for_update(self, user_id: uuid.UUID) -> User | None:
        """`get`, and the row stays locked against other writers until the unit of work ends."""
        ...

    def get_by_username(self, username: str) -> User | None:
        """Find by username, case-insensitively."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """Find by an already normalised email."""
        ...

    def count_active_admins(self) -> int:
        """Count active admins, locking them against concurrent change until the unit of work ends."""
        ...

    def list(self, user_filter: UserFilter, *, limit: int, after: PageKey | None) -> list[User]:
        """Newest first (created_at, then id, descending), strictly after `after`."""
        ...


@dataclass(frozen=True)
class RefreshTokenRecord:
    token_hash: str
    session_id: uuid.UUID
    created_at: datetime
    spent_at: datetime | None


class SessionRepository(Protocol):
    def add(self, session: AuthSession) -> None: ...

    def get(self, session_id: uuid.UUID) -> AuthSession | None: ...

    def get_for_update(self, session_id: uuid.UUID) -> AuthSession | None:
        """`get`, and the row stays locked against other writers until the unit of work ends."""
        ...

    def get_with_user(self, session_id: uuid.UUID) -> tuple[AuthSession, User] | None:
        """The session and its user in one round trip: what every authenticated request needs."""
        ...

    def get_with_user_by_browser_key(self, key_hash: str) -> tuple[AuthSession, User] | None:
        """The browser session whose cookie hashes to `key_hash`, and its user, in one round trip."""
        ...

    def update(self, session: AuthSession) -> None:
        """Store every field of `session`, except that a revoked session stays revoked."""
        ...

    def revoke_all_for_user(
        self, user_id: uuid.UUID, now: datetime, *, except_session: uuid.UUID | None = None
    ) -> None:
        """Revoke every session of the user, but `except_session` when given (the caller's own)."""
        ...

    def list_live_for_user(self, user_id: uuid.UUID, now: datetime) -> list[AuthSession]:
        """Sessions neither revoked nor expired (idle or absolute), newest first."""
        ...

    def add_refresh_token(self, session_id: uuid.UUID, token_hash: str, now: datetime) -> None:
        """Record the hash of a new refresh token of the session; the token itself is never stored."""
        ...

    def find_refresh_token(self, token_hash: str) -> RefreshTokenRecord | None: ...

    def add_browser_key(self, session_id: uuid.UUID, key_hash: str) -> None:
        """Record the hash of the session's browser cookie; the cookie itself is never stored."""
        ...

    def spend_refresh_token(self, token_hash: str, now: datetime) -> bool:
        """Mark the token spent if it is not yet, in one conditional write.

        Of concurrent callers with the same token, exactly one gets True.
        """
        ...


class ActionTokenRepository(Protocol):
    def add(self, token: ActionToken) -> None: ...

    def find(self, token_hash: str, purpose: ActionPurpose) -> ActionToken | None: ...

    def use(self, token_hash: str, now: datetime) -> bool:
        """Mark the token used if it is not yet, in one conditional write (True for one caller)."""
        ...

    def void_for_user(self, user_id: uuid.UUID, purpose: ActionPurpose, now: datetime) -> None:
        """Mark every unused token of this purpose of the user as used."""
        ...


class TotpFactorRepository(Protocol):
    """At most one authenticator per user, pending or confirmed."""

    def add(self, factor: TotpFactor) -> None: ...

    def get(self, user_id: uuid.UUID) -> TotpFactor | None: ...

    def get_for_update(self, user_id: uuid.UUID) -> TotpFactor | None:
        """`get`, and the row stays locked against other writers until the unit of work ends."""
        ...

    def update(self, factor: TotpFactor) -> None:
        """Store every field of `factor`, except that `last_used_step` never moves back."""
        ...

    def delete(self, user_id: uuid.UUID) -> None: ...


class RecoveryCodeRepository(Protocol):
    def replace(self, user_id: uuid.UUID, codes: list[RecoveryCode]) -> None:
        """The user's codes become `codes`: every earlier one, used or not, is gone."""
        ...

    def use(self, user_id: uuid.UUID, code_hash: str, now: datetime) -> bool:
        """Mark the user's unused code with this hash used, in one conditional write.

        Of concurrent callers with the same code, exactly one gets True.
        """
        ...

    def count_unused(self, user_id: uuid.UUID) -> int: ...

    def delete_for_user(self, user_id: uuid.UUID) -> None: ...


class MfaTokenRepository(Protocol):
    def add(self, token: MfaToken) -> None: ...

    def find(self, token_hash: str) -> MfaToken | None: ...

    def spend(self, token_hash: str, now: datetime) -> bool:
        """Mark the token spent if it is not yet, in one conditional write (True for one caller)."""
        ...

    def delete_expired(self, user_id: uuid.UUID, now: datetime) -> None:
        """Forget the user's tokens that expired before `now`: they can only be refused anyway."""
        ...


class PasskeyRepository(Protocol):
    """A user's passkeys; reads and writes by id are scoped by owner in the query itself."""

    def add(self, passkey: Passkey) -> None:
        """Raise PasskeyAlreadyRegistered when the credential id is already stored (anyone's)."""
        ...

    def get(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None: ...

    def find_by_credential_id(self, credential_id: bytes) -> Passkey | None:
        """The passkey with this credential id, whoever owns it."""
        ...

    def get_by_credential_id_for_update(self, credential_id: bytes) -> Passkey | None:
        """`find_by_credential_id`, and the row stays locked against other writers until the
        unit of work ends."""
        ...

    def list_for_user(self, user_id: uuid.UUID) -> list[Passkey]:
        """The user's passkeys, newest first (created_at, then id, descending)."""
        ...

    def count_for_user(self, user_id: uuid.UUID) -> int: ...

    def update(self, passkey: Passkey) -> None:
        """Store every field of `passkey`, except that `sign_count` never moves back."""
        ...

    def delete(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> bool:
        """True when the user's passkey existed and is gone."""
        ...

    def delete_for_user(self, user_id: uuid.UUID) -> int:
        """Remove every passkey of the user; return how many there were."""
        ...


class WebAuthnChallengeRepository(Protocol):
    def add(self, challenge: WebAuthnChallenge) -> None: ...

    def find(self, challenge_hash: str) -> WebAuthnChallenge | None: ...

    def spend(self, challenge_hash: str, now: datetime) -> bool:
        """Mark the challenge spent if it is not yet, in one conditional write (True for one
        caller)."""
        ...

    def delete_expired(self, now: datetime) -> None:
        """Forget every challenge that expired before `now`: they can only be refused anyway."""
        ...


class IdentityRepository(Protocol):
    """Identities at external providers; reads and writes by id are scoped by owner."""

    def add(self, identity: Identity) -> None:
        """Raise IdentityAlreadyLinked when (provider, subject) is already stored (anyone's)."""
        ...

    def find(self, provider: str, subject: str) -> Identity | None: ...

    def get(self, user_id: uuid.UUID, identity_id: uuid.UUID) -> Identity | None: ...

    def list_for_user(self, user_id: uuid.UUID) -> list[Identity]:
        """The user's identities, oldest first (linked_at, then id)."""
        ...

    def count_for_user(self, user_id: uuid.UUID) -> int: ...

    def delete(self, user_id: uuid.UUID, identity_id: uuid.UUID) -> bool:
        """True when the user's identity existed and is gone."""
        ...


class OidcFlowRepository(Protocol):
    def add(self, flow: OidcFlow) -> None: ...

    def find(self, state_hash: str) -> OidcFlow | None: ...

    def spend(self, state_hash: str, now: datetime) -> bool:
        """Mark the flow spent if it is not yet, in one conditional write (True for one caller)."""
        ...

    def delete_expired(self, now: datetime) -> None: ...


class LoginCodeRepository(Protocol):
    def add(self, code: LoginCode) -> None: ...

    def find(self, code_hash: str) -> LoginCode | None: ...

    def spend(self, code_hash: str, now: datetime) -> bool:
        """Mark the code spent if it is not yet, in one conditional write (True for one caller)."""
        ...

    def delete_expired(self, now: datetime) -> None: ...


@dataclass(frozen=True)
class AuditFilter:
    event_type: AuditEventType | None = None
    user_id: uuid.UUID | None = None


class AuditEventRepository(Protocol):
    def add(self, event: AuditEvent) -> None: ...

    def list(
        self, audit_filter: AuditFilter, *, limit: int, after: PageKey | None
    ) -> list[AuditEvent]:
        """Newest first (occurred_at, then id, descending), strictly after `after`."""
        ...


@dataclass(frozen=True)
class TaskFilter:
    completed: bool | None = None
    priority: Priority | None = None
    due_before: date | None = None
    """Only tasks due strictly before this day (tasks without a due date never match)."""
    search: str | None = None
    """Case-insensitive literal substring of the title or the description."""


class TaskRepository(Protocol):
    """Every read and write is scoped by owner in the query itself."""

    def add(self, task: Task) -> None: ...

    def get(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> Task | None: ...

    def get_for_update(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> Task | None:
        """`get`, and the row stays locked against other writers until the unit of work ends."""
        ...

    def update(self, task: Task) -> None:
        """Store every field of `task`, matching on its id and its owner."""
        ...

    def delete(self, owner_id: uuid.UUID, task_id: uuid.UUID) -> bool:
        """True when the owner's task existed and is gone."""
        ...

    def list(
        self, owner_id: uuid.UUID, task_filter: TaskFilter, *, limit: int, after: PageKey | None
    ) -> list[Task]:
        """The owner's tasks, newest first (created_at, then id, descending), strictly after `after`."""
        ...


@dataclass(frozen=True)
class AuthoredPost:
    """A post with its author, read in one query."""

    post: Post
    author: User


@dataclass(frozen=True)
class PostFilter:
    author_id: uuid.UUID | None = None
    published: bool | None = None
    search: str | None = None
    """Case-insensitive literal substring of the title or the content."""
    author_active: bool | None = None
    """True: only posts whose author is active (what the public sees); None: any author."""


class PostRepository(Protocol):
    def add(self, post: Post) -> None: ...

    def get(self, post_id: uuid.UUID) -> AuthoredPost | None: ...

    def get_for_update(self, post_id: uuid.UUID) -> AuthoredPost | None:
        """`get`, and the post's row stays locked against other writers until the unit of work ends."""
        ...

    def update(self, post: Post) -> None: ...

    def delete(self, post_id: uuid.UUID) -> None: ...

    def list(
        self, post_filter: PostFilter, *, limit: int, after: PageKey | None
    ) -> list[AuthoredPost]:
        """Newest first (created_at, then id, descending), strictly after `after`."""
        ...
