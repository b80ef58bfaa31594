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

    def _notice(self, to: str, username: str, subject: str, what: str) -> EmailMessage:
        return EmailMessage(
            to=to,
            subject=subject,
            body=(
                f"Hello {username},\n\n{what}\n\n"
                "If this was not you, change your password now and tell an administrator.\n"
            ),
        )

    def mfa_enabled(self, to: str, username: str) -> EmailMessage:
        return self._notice(
            to,
            username,
            "Two-step sign-in is on",
            "An authenticator app now protects your Tessera account: signing in takes your "
            "password and a code from the app (or a recovery code). Every other session was "
            "signed out.",
        )

    def mfa_disabled(self, to: str, username: str) -> EmailMessage:
        return self._notice(
            to,
            username,
            "Two-step sign-in is off",
            "The authenticator app of your Tessera account was removed, and its recovery codes "
            "no longer work: your password alone signs in now.",
        )

    def mfa_reset(self, to: str, username: str) -> EmailMessage:
        return self._notice(
            to,
            username,
            "An administrator turned off your two-step sign-in",
            "An administrator removed the second factor of your Tessera account (authenticator "
            "app, recovery codes and passkeys), as asked when it was lost. Set up a new one from "
            "your account once you are signed in.",
        )

    def recovery_codes_regenerated(self, to: str, username: str) -> EmailMessage:
        return self._notice(
            to,
            username,
            "New recovery codes",
            "New recovery codes were made for your Tessera account; the earlier ones no longer "
            "work.",
        )

    def recovery_code_used(self, to: str, username: str, remaining: int) -> EmailMessage:
        return self._notice(
            to,
            username,
            "A recovery code was used",
            f"A recovery code was used to sign in to your Tessera account; {remaining} are "
            "left. If your authenticator app is lost, set up a new one and make new codes.",
        )

    def passkey_added(self, to: str, username: str, name: str) -> EmailMessage:
        return self._notice(
            to,
            username,
            "A passkey was added",
            f'A passkey named "{name}" was added to your Tessera account: it signs in without '
            "a password.",
        )

    def passkey_removed(self, to: str, username: str, name: str) -> EmailMessage:
        return self._notice(
            to,
            username,
            "A passkey was removed",
            f'The passkey named "{name}" was removed from your Tessera account: it no longer '
            "signs in.",
        )

    def passkey_login(self, to: str, username: str, name: str) -> EmailMessage:
        return self._notice(
            to,
            username,
            "New sign-in with a passkey",
            f'Your Tessera account was just signed in to with the passkey named "{name}".',
        )
