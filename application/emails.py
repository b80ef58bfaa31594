"""What Tessera writes to people. Links come from the configured public base URL, never a request."""

from dataclasses import dataclass
from urllib.parse import urlencode

from application.ports.email import EmailMessage


@dataclass(frozen=True)
class EmailTemplates:
    public_base_url: str

    def _link(self, path: str, token: str) -> str:
        return f"{self.public_base_url.rstrip('/')}{path}?{urlencode({'token': token})}"

    def verify_email(self, to: str, username: str, token: str) -> EmailMessage:
        link = self._link("/app/verify-email", token)
        return EmailMessage(
            to=to,
            subject="Confirm your email address",
            body=(
                f"Hello {username},\n\n"
                f"Confirm that this address is yours by opening this link within 48 hours:\n\n"
                f"{link}\n\n"
                "If you did not ask for this, ignore this message.\n"
            ),
        )

    def reset_password(self, to: str, username: str, token: str) -> EmailMessage:
        link = self._link("/app/reset-password", token)
        return EmailMessage(
            to=to,
            subject="Reset your password",
            body=(
                f"Hello {username},\n\n"
                "Someone asked to reset your Tessera password. If it was you, choose a new one "
                f"within the hour at:\n\n{link}\n\n"
                "If it was not you, ignore this message: your password is unchanged.\n"
            ),
        )

    def password_changed(self, to: str, username: str) -> EmailMessage:
        return EmailMessage(
            to=to,
            subject="Your password was changed",
            body=(
                f"Hello {username},\n\n"
                "Your Tessera password was just changed, and every session was signed out.\n"
                "If this was not you, reset your password now and tell an administrator.\n"
            ),
        )
