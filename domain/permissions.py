"""Who may do what: one set of rules that every interface shares.

A resource the actor may not see is reported missing, exactly as if it did not exist; one the actor
may see but not change is forbidden.
"""

from enum import StrEnum

from domain.errors import (
    AdminRequired,
    MfaEnrollmentRequired,
    NotPostAuthor,
    PostNotFound,
    TaskNotFound,
)
from domain.posts import Post
from domain.tasks import Task
from domain.users import Role, User


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    MODERATE_POSTS = "moderate_posts"
    """Change or delete anybody's post, and read drafts."""


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.USER: frozenset(),
    Role.ADMIN: frozenset(Permission),
}


def has_permission(actor: User | None, permission: Permission) -> bool:
    return actor is not None and actor.is_active and permission in ROLE_PERMISSIONS[actor.role]


def ensure_admin(actor: User, *, second_factor_required: bool = False) -> None:
    """An active admin; with `second_factor_required` (MFA_REQUIRED_FOR_ADMINS), one whose second
    factor is on. A non-admin is told `admin_required` either way."""
    if not has_permission(actor, Permission.MANAGE_USERS):
        raise AdminRequired()
    if second_factor_required and not actor.mfa_enabled:
        raise MfaEnrollmentRequired()


def ensure_task_visible(actor: User, task: Task | None) -> Task:
    """Tasks are private: only their owner sees them, admins included in 'everyone else'."""
    if task is None or not task.is_owned_by(actor.id):
        raise TaskNotFound()
    return task


def can_view_post(actor: User | None, post: Post, *, author_active: bool = True) -> bool:
    """Public while published and its author is active (a deactivated author's posts are hidden
    as their profile is); otherwise only for the author and moderators."""
    if post.published and author_active:
        return True
    if actor is None:
        return False
    return post.author_id == actor.id or has_permission(actor, Permission.MODERATE_POSTS)


def can_change_post(actor: User, post: Post) -> bool:
    return post.author_id == actor.id or has_permission(actor, Permission.MODERATE_POSTS)


def ensure_post_visible(
    actor: User | None, post: Post | None, *, author_active: bool = True
) -> Post:
    if post is None or not can_view_post(actor, post, author_active=author_active):
        raise PostNotFound()
    return post


def ensure_post_changeable(actor: User, post: Post, *, author_active: bool = True) -> Post:
    """404 for a post the actor cannot see, 403 for one they can see but not change."""
    ensure_post_visible(actor, post, author_active=author_active)
    if not can_change_post(actor, post):
        raise NotPostAuthor()
    return post
