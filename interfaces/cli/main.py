"""The `tessera` command line: a second inbound interface over the same use cases."""

import os
import sys
from contextlib import ExitStack
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from application.services.authorization import OPERATOR
from application.use_cases.admin.create_admin import CreateAdminCommand
from application.use_cases.admin.list_all_users import ListAllUsersQuery
from application.use_cases.admin.set_user_active import SetUserActiveCommand
from application.use_cases.mfa.reset_mfa import ResetMfaCommand
from domain.errors import DomainError
from domain.users import User
from infrastructure.container import Container, build_container
from infrastructure.logging import configure_logging
from infrastructure.metrics import MULTIPROCESS_DIRECTORY, multiprocess_directory
from infrastructure.settings import ProviderUnusable
from interfaces.http.app import create_app

app = typer.Typer(
    help="Tessera: run the API and manage its database and accounts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


class CommandFailed(Exception):
    """A failure worth one line on stderr."""


class ConfigurationError(CommandFailed):
    """The settings cannot work: exit 2, before anything starts."""


def _container() -> Container:
    """The container of a command that reads or changes accounts. It never creates or migrates
    the database (a mistyped DATABASE_URL, or a run from another folder, would otherwise quietly
    make an empty one): that is `tessera db upgrade`'s job, or `tessera serve`'s."""
    container = build_container()
    if not container.settings().uses_memory_database:
        problem = container.migrator().schema_problem()
        if problem is not None:
            raise CommandFailed(problem)
    return container


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API."""

    container = build_container()
    settings = container.settings()
    try:
        # Loaded once here, so that a missing or wrong key file stops the start in one line,
        # instead of every login and the JWKS answering 500.
        container.access_tokens()
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"configuration: JWT keys: {error}") from None
    try:
        # Each OpenID Connect provider is discovered now: one that cannot be stops the start.
        container.identity_providers()
    except ProviderUnusable as error:
        raise ConfigurationError(f"configuration: OIDC: {error}") from None
    inherited = os.environ.get(MULTIPROCESS_DIRECTORY)
    if settings.metrics_enabled and workers == 1 and inherited and not os.path.isdir(inherited):
        # One process counts in memory unless told otherwise; told, the folder must be there.
        raise ConfigurationError(f"configuration: {MULTIPROCESS_DIRECTORY} is not a folder")
    configure_logging(json_lines=settings.environment == "production")
    if settings.migrate_on_start and not settings.uses_memory_database:
        build_container(settings).migrator().upgrade()
    # Migrated once here, so workers need not race to do it again.
    os.environ["AUTO_MIGRATE"] = "false"
    if settings.algorithm == "HS256" and settings.secret_key is None:
        # Resolved once here too: each worker builds its own settings, and without this a test
        # environment would give every worker a random key of its own (a token from one worker
        # refused by the others), and development workers would race to create the key file.
        os.environ["SECRET_KEY"] = settings.hmac_secret()
    with ExitStack() as stack:
        if settings.metrics_enabled and workers > 1:
            # Set before the workers start (each is a fresh interpreter that reads it when it
            # imports prometheus-client), so that each counts into files every worker reads.
            stack.enter_context(multiprocess_directory())
        uvicorn.run(
            "interfaces.cli.main:worker_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=False,  # X-Forwarded-For only from TRUSTED_PROXIES, by the app
            server_header=False,
            access_log=False,  # the app logs requests itself, without query strings
            log_config=None,  # keep the logging configured above
        )


def worker_app() -> FastAPI:
    """The app factory each server process calls. With --workers N every worker is a fresh
    interpreter (spawned), so it configures logging itself, as `serve` did: else its request and
    audit lines would be lost and its warnings would not be JSON in production."""
    container = build_container()
    configure_logging(json_lines=container.settings().environment == "production")
    # Each worker discovers the providers before it serves: never on the event loop later.
    container.identity_providers()
    return create_app(container)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    build_container().migrator().upgrade()
    typer.echo("database is at the latest revision")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision."""
    typer.echo(build_container().migrator().current() or "no revision (empty database)")


@users_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(help="The admin's username.")],
    email: Annotated[str, typer.Option(help="The admin's email address.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an active, verified admin."""
    if not password_stdin:
        raise CommandFailed("give the password on standard input, with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandFailed("no password on standard input")
    user = (
        _container()
        .create_admin()
        .execute(
            CreateAdminCommand(actor=OPERATOR, username=username, email=email, password=password)
        )
    )
    typer.echo(f"created admin {user.username} ({user.id})")


@users_app.command("list")
def list_users() -> None:
    """List every account, newest first."""
    use_case = _container().list_all_users()
    cursor = None
    while True:
        page = use_case.execute(ListAllUsersQuery(actor=OPERATOR, limit=100, cursor=cursor))
        for user in page.items:
            typer.echo(_describe(user))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor


@users_app.command("activate")
def activate(user: Annotated[str, typer.Argument(help="The user's id or username.")]) -> None:
    """Reopen an account."""
    activated = (
        _container().activate_user().execute(SetUserActiveCommand(actor=OPERATOR, user=user))
    )
    typer.echo(f"activated {_describe(activated)}")


@users_app.command("deactivate")
def deactivate(user: Annotated[str, typer.Argument(help="The user's id or username.")]) -> None:
    """Close an account and revoke its tokens."""
    deactivated = (
        _container().deactivate_user().execute(SetUserActiveCommand(actor=OPERATOR, user=user))
    )
    typer.echo(f"deactivated {_describe(deactivated)}")


@users_app.command("reset-mfa")
def reset_mfa(user: Annotated[str, typer.Argument(help="The user's id or username.")]) -> None:
    """Turn off a user's second factor (authenticator app, recovery codes), for one who lost it."""
    reset = _container().reset_mfa().execute(ResetMfaCommand(actor=OPERATOR, user=user))
    typer.echo(f"second factor off for {_describe(reset)}")


def _describe(user: User) -> str:
    state = "active" if user.is_active else "inactive"
    return f"{user.id}  {user.username}  {user.email}  {user.role.value}  {state}"


def run(argv: list[str] | None = None) -> int:
    """Entry point: every failure is one line on stderr and a non-zero exit, never a traceback."""
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="tessera", standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        return _fail("aborted", 130)
    except typer.exceptions.TyperException as error:  # usage errors; typer vendors its own click
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        return _fail(message or "a command is missing (see --help)", getattr(error, "exit_code", 2))
    except ConfigurationError as error:
        return _fail(str(error), 2)
    except (DomainError, CommandFailed) as error:
        return _fail(str(error), 1)
    except ValidationError as error:  # the settings read from the environment are not valid
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]).upper()
        message = problem["msg"].removeprefix("Value error, ")
        return _fail(f"configuration: {field + ': ' if field else ''}{message}", 2)
    except Exception as error:  # a broken database or configuration: say so, briefly
        return _fail(f"{type(error).__name__}: {_first_line(error)}", 1)
    return 0


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "failed"


def _fail(message: str, status: int) -> int:
    print(f"tessera: error: {_first_line(Exception(message))}", file=sys.stderr)
    return status or 1


if __name__ == "__main__":
    sys.exit(run())
