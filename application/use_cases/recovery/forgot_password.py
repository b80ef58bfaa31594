import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import StorageUnavailable
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.request_context import current_request
from application.services.action_tokens import issue_action_token
from application.services.throttling import Throttle
from domain.action_tokens import ActionPurpose

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForgotPasswordCommand:
    email: str


@dataclass(frozen=True, kw_only=True)
class ForgotPassword:
    """Email a single-use reset link to the address, if it belongs to an account.

    Rules: the answer is the same, in the same time, whether or not the address is registered
    (the caller learns nothing); asking changes nothing until the link is used; a newer link voids
    older ones.

    Only the throttle (429) is decided before answering, the same way for every address; looking
    the address up, storing the token and queueing the email happen after the answer is sent.
    """

    uow: UnitOfWork
    clock: Clock
    throttle: Throttle
    templates: EmailTemplates
    audit: AuditTrail

    def execute(self, command: ForgotPasswordCommand) -> Callable[[], None]:
        """Raise TooManyAttempts, or return the work to run once the caller has answered."""
        email = command.email.strip().lower()
        self.throttle.password_reset_requested(email, current_request().ip)
        return partial(self._send_link, email)

    def _send_link(self, email: str) -> None:
        # Nobody waits for this any more: a failure is logged here, never raised.
        try:
            self._issue_and_send(email)
        except StorageUnavailable:
            logger.warning("reset link not sent: database unavailable")
        except Exception:
            logger.exception("reset link not sent")

    def _issue_and_send(self, email: str) -> None:
        with self.uow as uow:
            user = uow.users.get_by_email(email)
            if user is None:
                return
            token = issue_action_token(uow, user, ActionPurpose.RESET_PASSWORD, self.clock.now())
            uow.emit(self.templates.reset_password(user.email, user.username, token))
            self.audit.record(uow, AuditEventType.PASSWORD_RESET_REQUESTED, user_id=user.id)
            uow.commit()
