import logging
import uuid
from dataclasses import dataclass

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.errors import InvalidPasskey
from application.ports.audit import AuditEventType
from application.ports.clock import Clock
from application.ports.passkeys import Credential, PasskeyRejected
from application.ports.unit_of_work import UnitOfWork
from application.services.passkeys import PasskeyAssertions
from domain.errors import UserNotFound
from domain.passkeys import ChallengePurpose, Passkey, validate_passkey_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class RegisterPasskeyCommand:
    user_id: uuid.UUID
    credential: Credential
    """What `navigator.credentials.create()` gave the page, as JSON."""
    name: str
    """What the owner calls it ("Laptop", "Phone"): 1-64 characters, trimmed."""


@dataclass(frozen=True, kw_only=True)
class RegisterPasskey:
    """Add a passkey: the credential the browser made from the registration options, and its name.

    Rules: the credential must answer a challenge of this account's registration options, unspent
    and at most 5 minutes old (it is spent by this answer, right or wrong), made at this
    server's origin for its RP ID, with the user verified; anything else is 400 `invalid_passkey`,
    as is a credential already registered. From now on the passkey signs in without a password
    (and, when TOTP is on, completes a password login). The current session is left as it is.
    Audited as `passkey_added`, and the user gets a notice email.
    """

    uow: UnitOfWork
    passkeys: PasskeyAssertions
    clock: Clock
    templates: EmailTemplates
    audit: AuditTrail

    def execute(self, command: RegisterPasskeyCommand) -> Passkey:
        name = validate_passkey_name(command.name)
        try:
            claims = self.passkeys.claims_of(command.credential)
            with self.uow as uow:
                self.passkeys.take_challenge(
                    uow, claims, ChallengePurpose.REGISTRATION, command.user_id
                )
                uow.commit()
            new = self.passkeys.ceremonies.verify_registration(command.credential, claims.challenge)
        except PasskeyRejected as rejected:
            logger.info("passkey registration refused for user %s: %s", command.user_id, rejected)
            raise InvalidPasskey() from None
        with self.uow as uow:
            user = uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound()
            passkey = Passkey.register(
                user_id=user.id,
                credential_id=new.credential_id,
                public_key=new.public_key,
                sign_count=new.sign_count,
                transports=new.transports,
                name=name,
                now=self.clock.now(),
            )
            uow.passkeys.add(passkey)
            self.audit.record(
                uow,
                AuditEventType.PASSKEY_ADDED,
                user_id=user.id,
                details={"passkey_id": str(passkey.id), "name": passkey.name},
            )
            uow.emit(self.templates.passkey_added(user.email, user.username, passkey.name))
            uow.commit()
        return passkey
