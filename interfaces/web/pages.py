"""Rendering a page: the template, the person's context, and the headers every page carries."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from domain.users import User
from interfaces.web.cookies import CookiePolicy, new_csrf_secret
from interfaces.web.csrf import CSRF_FIELD, CsrfGuard

TEMPLATES = Path(__file__).parent / "templates"

# Pages load only what Tessera serves (its stylesheet, its script for passkeys, its images); no
# inline script or style runs; forms post only here; nobody frames a page.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
PAGE_HEADERS = {
    "content-security-policy": PAGE_CSP,
    # Pages are per person and hold CSRF tokens: no cache keeps them.
    "cache-control": "no-store",
    # Links out of Tessera say where they came from, but never the path (it may hold a token).
    "referrer-policy": "same-origin",
}


# What a redirect may ask the next page to say (`?notice=registered`): fixed texts, so that no
# text from a URL is ever shown.
NOTICES = {
    "registered": "Your account is ready. If Tessera asked you to confirm your email, do that first.",
    "logged_out": "You are logged out.",
    "post_draft_saved": "Draft saved. Only you can see it until you publish it.",
    "post_published": "Post published: anyone can read it now.",
    "post_unpublished": "Post moved back to your drafts: only you can see it now.",
    "post_updated": "Your changes are saved.",
    "post_deleted": "Post deleted.",
    "task_created": "Task created.",
    "task_saved": "Task saved.",
    "task_completed": "Task marked complete.",
    "task_reopened": "Task marked not complete.",
    "task_deleted": "Task deleted.",
    "profile_saved": "Your profile is saved.",
    "email_changed": "Your profile is saved. Open the link we emailed to the new address to confirm it.",
    "verification_sent": "If your address is not confirmed yet, a new link is on its way.",
    "email_verified": "Your email address is confirmed.",
    "password_changed": "Your password is changed. Every other session is logged out.",
    "session_revoked": "That session is logged out.",
    "totp_disabled": "The authenticator app is off: your password alone logs you in, and your recovery codes no longer work.",
    "passkey_added": "Passkey added: it signs you in without your password from now on.",
    "passkey_removed": "Passkey removed: it no longer signs you in.",
    "second_step_expired": "That login took too long or was already completed. Log in again.",
    "logged_out_everywhere": "You are logged out everywhere, in this browser too.",
    "account_deactivated": "Your account is deactivated and you are logged out.",
    "account_deleted": "Your account and everything in it are deleted.",
    "reset_link_sent": "If this address belongs to an account, a reset link is on its way.",
    "password_reset": "Your password is set, and every session logged out. Log in with it.",
    "identity_linked": "The provider is linked: it signs you in to this account from now on.",
    "identity_unlinked": "The provider is unlinked: it no longer signs you in here.",
    "user_activated": "The account is active again. Its earlier sessions stay ended.",
    "user_deactivated": "The account is deactivated: its sessions and tokens no longer work.",
    "user_role_changed": "The role is changed. That user's sessions ended: they log in again.",
    "user_deleted": "The account is deleted, with everything it owned.",
}


@pass_context
def csrf_input(context: Context) -> Markup:
    """The hidden field that every state-changing form carries: `{{ csrf() }}`."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, context["csrf_token"]
    )


class Pages:
    """What every page needs: templates, the cookie policy and the CSRF guard."""

    def __init__(self, cookies: CookiePolicy, csrf: CsrfGuard) -> None:
        self.cookies = cookies
        self.csrf = csrf
        # Every value is escaped unless a template says otherwise (none does); a name a template
        # misspells is an error, not an empty string.
        environment = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
        )
        self.templates = Jinja2Templates(env=environment)
        self.templates.env.globals.update(csrf=csrf_input, NOTICES=NOTICES)

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        user: User | None = None,
        status_code: int = 200,
    ) -> Response:
        csrf_secret = self.cookies.csrf_secret(request)
        fresh_secret = csrf_secret is None
        if csrf_secret is None:
            csrf_secret = new_csrf_secret()
        response: HTMLResponse = self.templates.TemplateResponse(
            request,
            template,
            {
                "user": user,
                "csrf_token": self.csrf.token_for(csrf_secret),
                "notice": request.query_params.get("notice"),
                **(context or {}),
            },
            status_code=status_code,
            headers=PAGE_HEADERS,
        )
        if fresh_secret:
            self.cookies.set_csrf(response, csrf_secret)
        return response


def see_other(url: str) -> RedirectResponse:
    """After a POST: the browser GETs `url` (303), so a reload never sends the form again."""
    return RedirectResponse(url, status_code=303, headers=PAGE_HEADERS)
