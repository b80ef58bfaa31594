"""The composition root: the one place that picks adapters from settings and wires use cases to them."""

import hashlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from dependency_injector import containers, providers
from sqlalchemy.engine import Engine

from application.audit import AuditTrail
from application.emails import EmailTemplates
from application.ports.audit import AuditEventType
from application.ports.email import EmailMessage
from application.ports.throttle import RateLimit, RateLimiter
from application.services.authorization import AdminGate
from application.services.email_verification import VerificationMailer
from application.services.passkeys import AccountHolderCheck, PasskeyAssertions
from application.services.second_factor import SecondFactors
from application.services.session_tokens import SessionLifetimes, SessionStarter
from application.services.throttling import Throttle, ThrottlePolicy
from application.use_cases.account.change_password import ChangePassword, ChangePasswordInBrowser
from application.use_cases.account.deactivate_account import DeactivateAccount
from application.use_cases.account.delete_account import DeleteAccount
from application.use_cases.account.update_profile import UpdateProfile
from application.use_cases.admin.change_role import ChangeRole
from application.use_cases.admin.create_admin import CreateAdmin
from application.use_cases.admin.delete_user import DeleteUser
from application.use_cases.admin.get_any_user import GetAnyUser
from application.use_cases.admin.list_all_users import ListAllUsers
from application.use_cases.admin.list_audit_events import ListAuditEvents
from application.use_cases.admin.set_user_active import ActivateUser, DeactivateUser
from application.use_cases.auth.authenticate_access_token import AuthenticateAccessToken
from application.use_cases.auth.authenticate_browser_session import AuthenticateBrowserSession
from application.use_cases.auth.login import BrowserLogin, Login
from application.use_cases.auth.logout import Logout, LogoutBrowser, LogoutEverywhere
from application.use_cases.auth.manage_sessions import ListSessions, RevokeSession
from application.use_cases.auth.refresh_session import RefreshSession
from application.use_cases.auth.register_user import RegisterUser
from application.use_cases.mfa.confirm_totp import ConfirmTotp
from application.use_cases.mfa.disable_totp import DisableTotp
from application.use_cases.mfa.regenerate_recovery_codes import RegenerateRecoveryCodes
from application.use_cases.mfa.reset_mfa import ResetMfa
from application.use_cases.mfa.set_up_totp import SetUpTotp
from application.use_cases.mfa.verify_mfa import VerifyMfa, VerifyMfaInBrowser
from application.use_cases.oidc.complete_oidc_sign_in import CompleteOidcSignIn
from application.use_cases.oidc.exchange_login_code import (
    ExchangeLoginCode,
    ExchangeLoginCodeInBrowser,
)
from application.use_cases.oidc.list_identities import ListIdentities
from application.use_cases.oidc.start_oidc_sign_in import StartOidcSignIn
from application.use_cases.oidc.unlink_identity import UnlinkIdentity
from application.use_cases.passkeys.begin_passkey_login import BeginPasskeyLogin
from application.use_cases.passkeys.begin_passkey_registration import BeginPasskeyRegistration
from application.use_cases.passkeys.list_passkeys import ListPasskeys
from application.use_cases.passkeys.passkey_login import PasskeyLogin, PasskeyLoginInBrowser
from application.use_cases.passkeys.register_passkey import RegisterPasskey
from application.use_cases.passkeys.remove_passkey import RemovePasskey
from application.use_cases.posts.create_post import CreatePost
from application.use_cases.posts.delete_post import DeletePost
from application.use_cases.posts.get_post import GetPost
from application.use_cases.posts.list_posts import ListMyPosts, ListPublishedPosts
from application.use_cases.posts.update_own_post import UpdateOwnPost
from application.use_cases.recovery.forgot_password import ForgotPassword
from application.use_cases.recovery.reset_password import ResetPassword
from application.use_cases.recovery.verify_email import RequestEmailVerification, VerifyEmail
from application.use_cases.tasks.create_task import CreateTask
from application.use_cases.tasks.delete_task import DeleteTask
from application.use_cases.tasks.get_task import GetTask
from application.use_cases.tasks.list_tasks import ListTasks
from application.use_cases.tasks.update_task import UpdateTask
from application.use_cases.users.get_user import GetUser
from application.use_cases.users.list_users import ListUsers
from infrastructure.after_commit import LogAndSend
from infrastructure.clock import SystemClock
from infrastructure.email.console import ConsoleEmailSender
from infrastructure.email.smtp import SmtpEmailSender
from infrastructure.logging import LoggingSecurityLog
from infrastructure.metrics import ServiceMetrics, counted, metrics_from
from infrastructure.oidc.authlib_provider import configured_providers
from infrastructure.persistence.memory.database import MemoryDatabase
from infrastructure.persistence.memory.unit_of_work import MemoryUnitOfWork
from infrastructure.persistence.migrator import AlembicMigrator
from infrastructure.persistence.outage import DatabaseOutageLog
from infrastructure.persistence.readiness import MemoryReadiness, SqlAlchemyReadiness
from infrastructure.persistence.sqlalchemy.engine import create_database_engine
from infrastructure.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from infrastructure.security.argon2_hasher import Argon2PasswordHasher
from infrastructure.security.jwt_keys import load_previous_public_keys, load_signing_keys
from infrastructure.security.jwt_tokens import JwtAccessTokenService
from infrastructure.security.password_policy import ZxcvbnPasswordPolicy
from infrastructure.security.secret_box import AesGcmSecretBox
from infrastructure.security.totp import PyotpTotp
from infrastructure.security.webauthn_ceremonies import PyWebAuthnCeremonies, RelyingParty
from infrastructure.settings import Settings
from infrastructure.throttle import memory_rate_limiter, redis_rate_limiter

TOTP_ISSUER = "Tessera"
"""The name authenticator apps show next to the account."""


def _engine(settings: Settings, metrics: ServiceMetrics) -> Iterator[Engine]:
    engine = create_database_engine(settings.database_url, settings.database_timeouts)
    metrics.watch_pool(engine)
    yield engine
    engine.dispose()


def _persistence_kind(settings: Settings) -> str:
    return "memory" if settings.uses_memory_database else "sqlalchemy"


def _web_secret(settings: Settings) -> str:
    """The server-side secret of the pages' CSRF tokens: the same in every worker and instance.

    SECRET_KEY where it is set (or generated, in development); with asymmetric JWT keys and no
    SECRET_KEY, a digest of the private key, which every instance already shares.
    """
    if settings.secret_key is None and settings.jwt_private_key_file:
        private_key = Path(settings.jwt_private_key_file).read_bytes()
        return hashlib.sha256(b"tessera web secret\0" + private_key).hexdigest()
    return settings.hmac_secret()


def _mfa_key_material(settings: Settings, service_secret: str) -> bytes:
    """What the TOTP secrets are encrypted under: MFA_ENCRYPTION_KEY, else the service's own
    secret (SECRET_KEY, or the digest of the JWT private key), from which the box derives a key
    of its own (HKDF, another purpose than the JWT's or the CSRF tokens')."""
    if settings.mfa_encryption_key is not None:
        return settings.mfa_encryption_key.get_secret_value().encode()
    return service_secret.encode()


def _relying_party(settings: Settings) -> RelyingParty:
    """The passkeys' relying party: from the settings alone, never from a request."""
    return RelyingParty(
        id=settings.webauthn_relying_party_id,
        name=settings.webauthn_rp_name,
        origin=settings.webauthn_origin,
    )


def _access_tokens(settings: Settings, clock: SystemClock) -> JwtAccessTokenService:
    signing_key, verification_key = load_signing_keys(
        settings.algorithm,
        settings.hmac_secret() if settings.algorithm == "HS256" else None,
        settings.jwt_private_key_file,
        settings.jwt_public_key_file,
    )
    previous_keys = (
        settings.previous_hmac_secrets
        if settings.algorithm == "HS256"
        else load_previous_public_keys(settings.algorithm, settings.previous_public_key_files)
    )
    return JwtAccessTokenService(
        algorithm=settings.algorithm,
        signing_key=signing_key,
        verification_key=verification_key,
        previous_verification_keys=previous_keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        lifetime=timedelta(minutes=settings.access_token_expire_minutes),
        clock=clock,
    )


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        account_failures=RateLimit(
            settings.login_max_failures, settings.login_failure_window_seconds
        ),
        login_attempts_per_ip=RateLimit(settings.login_max_attempts_per_ip_per_minute, 60),
        # Not in the contract's configuration: generous enough for people, not for scripts.
        password_resets_per_email=RateLimit(5, 3600),
        password_resets_per_ip=RateLimit(30, 60),
        registrations_per_ip=RateLimit(100, 60),
        verification_emails_per_user=RateLimit(5, 3600),
        # As generous as login attempts: one set of options starts each passkey sign-in.
        passkey_challenges_per_ip=RateLimit(settings.login_max_attempts_per_ip_per_minute, 60),
        oidc_flows_per_ip=RateLimit(settings.login_max_attempts_per_ip_per_minute, 60),
    )


def _rate_limiter(settings: Settings) -> RateLimiter:
    return redis_rate_limiter(settings.redis_url) if settings.redis_url else memory_rate_limiter()


def _email_sender(
    settings: Settings, audit: Callable[[], AuditTrail], metrics: ServiceMetrics
) -> Iterator[ConsoleEmailSender | SmtpEmailSender]:
    """A resource, so that shutting the container down delivers what is still queued."""
    # Failures are counted from their audit event (email_delivery_failed), successes here.
    on_sent = metrics.email_sent if metrics.enabled else None
    if settings.email_backend == "console":
        yield ConsoleEmailSender(on_sent=on_sent)
        return

    def report_failure(message: EmailMessage, error: Exception) -> None:
        audit().record_alone(
            AuditEventType.EMAIL_DELIVERY_FAILED,
            details={
                "recipient_domain": message.to.rpartition("@")[2],
                "error": type(error).__name__,
            },
        )

    sender = SmtpEmailSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        sender=settings.email_from,
        on_failure=report_failure,
        on_sent=on_sent,
    )
    yield sender
    sender.close(timeout=10)


def _session_lifetimes(settings: Settings) -> SessionLifetimes:
    return SessionLifetimes(
        idle=timedelta(days=settings.refresh_token_expire_days),
        absolute=timedelta(days=settings.session_max_lifetime_days),
    )


class Container(containers.DeclarativeContainer):
    """Every use case wired to its adapters, by keyword (a renamed or moved argument fails here,
    not silently at run time)."""

    settings = providers.Singleton(Settings)
    persistence = providers.Callable(_persistence_kind, settings)

    clock = providers.Singleton(SystemClock)
    # Metrics first: adapters below count into them (a resource: a worker that stops says so).
    metrics = providers.Resource(metrics_from, settings.provided.metrics_enabled)
    security_log = providers.Singleton(LoggingSecurityLog)
    # What the audit trail and the after-commit step write to: the log, counting its events.
    counted_security_log = providers.Singleton(counted, log=security_log, metrics=metrics)
    email_templates = providers.Singleton(
        EmailTemplates, public_base_url=settings.provided.public_base_url
    )
    # The audit trail reaches the sender lazily (it is defined below): an undeliverable email is
    # audited through a unit of work whose commits hand their emails to this very sender.
    __self__ = providers.Self()
    email_sender = providers.Resource(
        _email_sender, settings, __self__.provided.audit_trail, metrics
    )
    after_commit = providers.Singleton(LogAndSend, log=counted_security_log, sender=email_sender)

    engine = providers.Resource(_engine, settings, metrics)
    database_outage_log = providers.Singleton(DatabaseOutageLog)
    memory_database = providers.Singleton(MemoryDatabase)
    uow = providers.Selector(
        persistence,
        memory=providers.Factory(
            MemoryUnitOfWork, database=memory_database, after_commit=after_commit
        ),
        sqlalchemy=providers.Factory(
            SqlAlchemyUnitOfWork,
            engine=engine,
            outage_log=database_outage_log,
            after_commit=after_commit,
        ),
    )
    audit_trail = providers.Singleton(
        AuditTrail, new_uow=uow.provider, log=counted_security_log, clock=clock
    )
    migrator = providers.Factory(AlembicMigrator, database_url=settings.provided.database_url)
    readiness = providers.Selector(
        persistence,
        memory=providers.Singleton(MemoryReadiness),
        sqlalchemy=providers.Singleton(
            SqlAlchemyReadiness,
            engine=engine,
            outage_log=database_outage_log,
            expected_revision=migrator.provided.head.call(),
        ),
    )

    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.argon2_time_cost,
        memory_cost=settings.provided.argon2_memory_cost,
        parallelism=settings.provided.argon2_parallelism,
    )
    password_policy = providers.Singleton(
        ZxcvbnPasswordPolicy,
        min_length=settings.provided.password_min_length,
        min_strength=settings.provided.password_min_strength,
    )
    access_tokens = providers.Singleton(_access_tokens, settings, clock)
    web_secret = providers.Singleton(_web_secret, settings)
    session_lifetimes = providers.Singleton(_session_lifetimes, settings)
    session_starter = providers.Singleton(
        SessionStarter, tokens=access_tokens, clock=clock, lifetimes=session_lifetimes
    )
    rate_limiter = providers.Singleton(_rate_limiter, settings)
    throttle = providers.Singleton(
        Throttle,
        limiter=rate_limiter,
        policy=providers.Callable(throttle_policy, settings),
        metrics=metrics,
    )
    verification_mailer = providers.Singleton(
        VerificationMailer, templates=email_templates, clock=clock
    )
    totp = providers.Singleton(PyotpTotp)
    secret_box = providers.Singleton(
        AesGcmSecretBox, key_material=providers.Callable(_mfa_key_material, settings, web_secret)
    )
    passkey_ceremonies = providers.Singleton(
        PyWebAuthnCeremonies, relying_party=providers.Callable(_relying_party, settings)
    )
    second_factors = providers.Singleton(
        SecondFactors, totp=totp, secret_box=secret_box, clock=clock
    )
    passkey_assertions = providers.Singleton(
        PasskeyAssertions, ceremonies=passkey_ceremonies, clock=clock
    )
    account_holder_check = providers.Singleton(
        AccountHolderCheck,
        hasher=password_hasher,
        throttle=throttle,
        factors=second_factors,
        audit=audit_trail,
    )
    admin_gate = providers.Singleton(
        AdminGate,
        audit=audit_trail,
        second_factor_required=settings.provided.mfa_required_for_admins,
    )

    register_user = providers.Factory(
        RegisterUser,
        uow=uow,
        hasher=password_hasher,
        policy=password_policy,
        clock=clock,
        throttle=throttle,
        mailer=verification_mailer,
        audit=audit_trail,
    )
    # An API client's login and a browser's differ only in the session they start.
    _login_dependencies = providers.Dict(
        uow=uow,
        hasher=password_hasher,
        sessions=session_starter,
        factors=second_factors,
        throttle=throttle,
        audit=audit_trail,
        require_email_verification=settings.provided.require_email_verification,
    )
    login = providers.Factory(Login, **_login_dependencies.kwargs)
    browser_login = providers.Factory(BrowserLogin, **_login_dependencies.kwargs)
    authenticate_browser_session = providers.Factory(
        AuthenticateBrowserSession,
        uow=uow,
        clock=clock,
        lifetimes=session_lifetimes,
        audit=audit_trail,
    )
    authenticate_access_token = providers.Factory(
        AuthenticateAccessToken, uow=uow, tokens=access_tokens, clock=clock, audit=audit_trail
    )
    refresh_session = providers.Factory(
        RefreshSession,
        uow=uow,
        tokens=access_tokens,
        clock=clock,
        lifetimes=session_lifetimes,
        audit=audit_trail,
    )
    logout = providers.Factory(Logout, uow=uow, clock=clock, audit=audit_trail)
    logout_browser = providers.Factory(LogoutBrowser, uow=uow, clock=clock, audit=audit_trail)
    logout_everywhere = providers.Factory(LogoutEverywhere, uow=uow, clock=clock, audit=audit_trail)
    list_sessions = providers.Factory(ListSessions, uow=uow, clock=clock)
    revoke_session = providers.Factory(RevokeSession, uow=uow, clock=clock, audit=audit_trail)
    forgot_password = providers.Factory(
        ForgotPassword,
        uow=uow,
        clock=clock,
        throttle=throttle,
        templates=email_templates,
        audit=audit_trail,
    )
    reset_password = providers.Factory(
        ResetPassword,
        uow=uow,
        hasher=password_hasher,
        policy=password_policy,
        clock=clock,
        throttle=throttle,
        templates=email_templates,
        audit=audit_trail,
    )
    verify_email = providers.Factory(VerifyEmail, uow=uow, clock=clock, audit=audit_trail)
    request_email_verification = providers.Factory(
        RequestEmailVerification, uow=uow, throttle=throttle, mailer=verification_mailer
    )

    update_profile = providers.Factory(
        UpdateProfile, uow=uow, clock=clock, mailer=verification_mailer
    )
    _password_change_dependencies = providers.Dict(
        uow=uow,
        hasher=password_hasher,
        policy=password_policy,
        clock=clock,
        sessions=session_starter,
        throttle=throttle,
        templates=email_templates,
        audit=audit_trail,
    )
    change_password = providers.Factory(ChangePassword, **_password_change_dependencies.kwargs)
    change_password_in_browser = providers.Factory(
        ChangePasswordInBrowser, **_password_change_dependencies.kwargs
    )
    deactivate_account = providers.Factory(
        DeactivateAccount,
        uow=uow,
        hasher=password_hasher,
        throttle=throttle,
        clock=clock,
        audit=audit_trail,
    )
    delete_account = providers.Factory(
        DeleteAccount, uow=uow, hasher=password_hasher, throttle=throttle, audit=audit_trail
    )
    set_up_totp = providers.Factory(
        SetUpTotp,
        uow=uow,
        hasher=password_hasher,
        throttle=throttle,
        factors=second_factors,
        clock=clock,
        issuer=TOTP_ISSUER,
    )
    confirm_totp = providers.Factory(
        ConfirmTotp,
        uow=uow,
        factors=second_factors,
        clock=clock,
        templates=email_templates,
        audit=audit_trail,
    )
    _code_confirmed_dependencies = providers.Dict(
        uow=uow,
        hasher=password_hasher,
        throttle=throttle,
        factors=second_factors,
        templates=email_templates,
        audit=audit_trail,
    )
    disable_totp = providers.Factory(DisableTotp, **_code_confirmed_dependencies.kwargs)
    regenerate_recovery_codes = providers.Factory(
        RegenerateRecoveryCodes, **_code_confirmed_dependencies.kwargs
    )
    # An API client's second step and a browser's differ only in the session they start.
    _second_step_dependencies = providers.Dict(
        uow=uow,
        factors=second_factors,
        passkeys=passkey_assertions,
        sessions=session_starter,
        throttle=throttle,
        clock=clock,
        templates=email_templates,
        audit=audit_trail,
    )
    verify_mfa = providers.Factory(VerifyMfa, **_second_step_dependencies.kwargs)
    verify_mfa_in_browser = providers.Factory(
        VerifyMfaInBrowser, **_second_step_dependencies.kwargs
    )
    reset_mfa = providers.Factory(
        ResetMfa,
        uow=uow,
        factors=second_factors,
        templates=email_templates,
        audit=audit_trail,
        gate=admin_gate,
    )

    begin_passkey_registration = providers.Factory(
        BeginPasskeyRegistration,
        uow=uow,
        holder=account_holder_check,
        passkeys=passkey_assertions,
    )
    register_passkey = providers.Factory(
        RegisterPasskey,
        uow=uow,
        passkeys=passkey_assertions,
        clock=clock,
        templates=email_templates,
        audit=audit_trail,
    )
    list_passkeys = providers.Factory(ListPasskeys, uow=uow)
    remove_passkey = providers.Factory(
        RemovePasskey,
        uow=uow,
        holder=account_holder_check,
        templates=email_templates,
        audit=audit_trail,
    )
    begin_passkey_login = providers.Factory(
        BeginPasskeyLogin, uow=uow, passkeys=passkey_assertions, throttle=throttle
    )
    # An API client's passkey sign-in and a browser's differ only in the session they start.
    _passkey_login_dependencies = providers.Dict(
        uow=uow,
        passkeys=passkey_assertions,
        sessions=session_starter,
        templates=email_templates,
        audit=audit_trail,
        require_email_verification=settings.provided.require_email_verification,
    )
    passkey_login = providers.Factory(PasskeyLogin, **_passkey_login_dependencies.kwargs)
    passkey_login_in_browser = providers.Factory(
        PasskeyLoginInBrowser, **_passkey_login_dependencies.kwargs
    )

    # Discovered once, when first needed (`tessera serve` asks at start, so that a provider it
    # cannot reach stops the start with one line).
    identity_providers = providers.Singleton(
        configured_providers,
        settings.provided.oidc_provider_settings,
        settings.provided.public_base_url,
    )
    start_oidc_sign_in = providers.Factory(
        StartOidcSignIn,
        uow=uow,
        providers=identity_providers,
        clock=clock,
        throttle=throttle,
        redirect_allowlist=settings.provided.oidc_redirect_allowed,
    )
    complete_oidc_sign_in = providers.Factory(
        CompleteOidcSignIn, uow=uow, providers=identity_providers, clock=clock, audit=audit_trail
    )
    # An API client's exchange and the web pages' differ only in the session they start.
    _exchange_dependencies = providers.Dict(
        uow=uow,
        sessions=session_starter,
        factors=second_factors,
        clock=clock,
        audit=audit_trail,
        require_email_verification=settings.provided.require_email_verification,
    )
    exchange_login_code = providers.Factory(ExchangeLoginCode, **_exchange_dependencies.kwargs)
    exchange_login_code_in_browser = providers.Factory(
        ExchangeLoginCodeInBrowser, **_exchange_dependencies.kwargs
    )
    list_identities = providers.Factory(ListIdentities, uow=uow)
    unlink_identity = providers.Factory(UnlinkIdentity, uow=uow, audit=audit_trail)

    list_users = providers.Factory(ListUsers, uow=uow)
    get_user = providers.Factory(GetUser, uow=uow)

    create_admin = providers.Factory(
        CreateAdmin,
        uow=uow,
        hasher=password_hasher,
        policy=password_policy,
        clock=clock,
        audit=audit_trail,
        gate=admin_gate,
    )
    list_all_users = providers.Factory(ListAllUsers, uow=uow, gate=admin_gate)
    activate_user = providers.Factory(
        ActivateUser, uow=uow, clock=clock, audit=audit_trail, gate=admin_gate
    )
    deactivate_user = providers.Factory(
        DeactivateUser, uow=uow, clock=clock, audit=audit_trail, gate=admin_gate
    )
    change_role = providers.Factory(
        ChangeRole, uow=uow, clock=clock, audit=audit_trail, gate=admin_gate
    )
    delete_user = providers.Factory(DeleteUser, uow=uow, audit=audit_trail, gate=admin_gate)
    get_any_user = providers.Factory(GetAnyUser, uow=uow, gate=admin_gate)
    list_audit_events = providers.Factory(ListAuditEvents, uow=uow, gate=admin_gate)

    create_task = providers.Factory(CreateTask, uow=uow, clock=clock)
    list_tasks = providers.Factory(ListTasks, uow=uow)
    get_task = providers.Factory(GetTask, uow=uow)
    update_task = providers.Factory(UpdateTask, uow=uow, clock=clock)
    delete_task = providers.Factory(DeleteTask, uow=uow)

    create_post = providers.Factory(CreatePost, uow=uow, clock=clock)
    list_published_posts = providers.Factory(ListPublishedPosts, uow=uow)
    list_my_posts = providers.Factory(ListMyPosts, uow=uow)
    get_post = providers.Factory(GetPost, uow=uow)
    update_own_post = providers.Factory(UpdateOwnPost, uow=uow, clock=clock, audit=audit_trail)
    delete_post = providers.Factory(DeletePost, uow=uow, audit=audit_trail)


def build_container(settings: Settings | None = None) -> Container:
    """A container for these settings (read from the environment when not given)."""
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container
