"""Command-line interface: flask --app selfscan <command>. Help texts are in English; messages
about the questionnaires are in Dutch, the language their authors write in."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from selfscan import loading
from selfscan.core import checks, disclosure
from selfscan.output import mail
from selfscan.storage import (
    contact,
    demo,
    migrations,
    questionnaires,
    releases,
    retention,
    rounds,
    users,
)
from selfscan.storage import db as dbmod
from selfscan.storage.rate_limits import SQLiteStorage


@contextmanager
def _database(prepare: bool = True) -> Iterator[dbmod.Database]:
    """A connection to the configured database, migrated and loaded first when ``prepare``."""
    if prepare:
        from selfscan.web import ensure_ready

        ensure_ready(current_app)
    db = dbmod.connect(current_app.config["DATABASE"])
    try:
        yield db
    finally:
        db.conn.close()


def register(app: Flask) -> None:
    for command in (init_db, load_questionnaires, check_questionnaires, backup, create_user,
                    create_api_token, demo_data, release, purge_expired):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the database and load the register and questionnaires (idempotent)."""
    from selfscan.web import init_storage

    try:
        init_storage(current_app)
    except loading.DefinitionErrors as exc:
        raise click.ClickException("de vragenlijsten zijn niet geldig:\n" + str(exc)) from None
    except questionnaires.VersionChanged as exc:
        raise click.ClickException(str(exc)) from None
    with _database(prepare=False) as db:
        n = db.execute("SELECT count(*) FROM municipalities").fetchone()[0]
        versions = ", ".join(f"{q['id']} v{q['version']}"
                             for q in current_app.extensions["selfscan.library"].versions())
        click.echo(f"Database {current_app.config['DATABASE']} (schema "
                   f"{migrations.schema_version(db)}): {n} gemeenten, vragenlijsten: {versions}")


@click.command("load-questionnaires")
@with_appcontext
def load_questionnaires() -> None:
    """Load the questionnaire folder into the database; refuses to change answered versions."""
    folder = Path(current_app.config["QUESTIONNAIRES"])
    try:
        library = loading.load_folder(folder)
    except loading.DefinitionErrors as exc:
        raise click.ClickException("de vragenlijsten zijn niet geldig:\n" + str(exc)) from None
    with _database(prepare=False) as db:
        try:
            migrations.migrate(db)
            for line in questionnaires.sync_questionnaires(db, library.questionnaires):
                click.echo(line)
        except questionnaires.VersionChanged as exc:
            raise click.ClickException(str(exc)) from None


@click.command("check-questionnaires")
@with_appcontext
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check_questionnaires(paths: tuple[Path, ...]) -> None:
    """Check questionnaire files (default: the whole folder) without touching the database."""
    folder = Path(current_app.config["QUESTIONNAIRES"])
    chosen = list(paths) or [*loading.definition_files(folder), folder / loading.TOOLS_FILE]
    if chosen and all(p.name == loading.TOOLS_FILE for p in chosen):
        # A catalogue is checked against the questionnaires it refers to.
        chosen = [*loading.definition_files(folder), *chosen]
    try:
        library = loading.load_paths(chosen)
    except loading.DefinitionErrors as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    found = checks.findings(library, date.today())
    for finding in found:
        click.echo(str(finding), err=True)
    errors = sum(1 for f in found if f.severity == "fout")
    for q in library.questionnaires:
        n = sum(len(d.items) for d in q.dimensions)
        click.echo(f"OK {q.source}: {q.id} versie {q.version}, {len(q.dimensions)} dimensies, "
                   f"{n} items, hash {q.content_hash[:12]}")
    if library.catalogue.tools:
        click.echo(f"OK tools.yaml: {len(library.catalogue.tools)} hulpmiddelen")
    warnings = len(found) - errors
    if found:
        click.echo(f"{errors} fout(en), {warnings} waarschuwing(en)", err=True)
    if errors:
        raise SystemExit(1)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
def backup(path: Path) -> None:
    """Write a consistent copy of the live database to PATH (safe while the service runs)."""
    with _database(prepare=False) as db:
        dbmod.backup(db, path)
    click.echo(f"Back-up geschreven naar {path}")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", "account_role", type=click.Choice(users.ACCOUNT_ROLES), default="ccv",
              show_default=True,
              help="ccv: benchmark, coaching list and exports; admin: the same.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password as one line from standard input (for scripts).")
def create_user(email: str, account_role: str, password_stdin: bool) -> None:
    """Create a CCV account (password of at least 12 characters)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Wachtwoord", hide_input=True,
                                confirmation_prompt="Herhaal het wachtwoord")
    with _database() as db:
        try:
            user = users.create_user(db, email, password, account_role)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Account aangemaakt: {user.email} (rol {user.account_role})")


@click.command("create-api-token")
@with_appcontext
@click.argument("email")
@click.option("--label", default="", help="What the token is for, for example 'dashboard'.")
def create_api_token(email: str, label: str) -> None:
    """Create an API token for a CCV account; the token is shown once."""
    with _database() as db:
        user = users.user_by_email(db, email)
        if user is None:
            raise click.ClickException(
                f"er is geen account voor {email}; maak het eerst met create-user")
        token = users.create_api_token(db, user.id, label)
    click.echo("Bewaar dit token veilig; het wordt niet opnieuw getoond:", err=True)
    click.echo(token)


@click.command("demo-data")
@with_appcontext
@click.option("--rounds", "n_rounds", type=click.IntRange(0, 1_000_000), default=0,
              help="Number of synthetic rounds to add.")
@click.option("--purge", is_flag=True, help="First delete every synthetic round.")
@click.option("--seed", type=int, default=None, help="Fixed seed for repeatable data.")
def demo_data(n_rounds: int, purge: bool, seed: int | None) -> None:
    """Fill the database with clearly marked synthetic rounds (or remove them)."""
    if not purge and n_rounds == 0:
        raise click.UsageError("geef --rounds N, --purge of allebei")
    with _database() as db:
        if purge:
            removed = demo.purge_synthetic(db)
            click.echo(f"{removed} synthetische rondes verwijderd")
        if n_rounds:
            try:
                made = demo.insert_synthetic(db, current_app.extensions["selfscan.current"],
                                             n_rounds, seed=seed)
            except demo.NoMunicipalities as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(f"{made} synthetische rondes toegevoegd (gemarkeerd als synthetisch)")


@click.command("release")
@with_appcontext
@click.option("--synthetic", is_flag=True, help="Release the synthetic demonstration rounds.")
def release(synthetic: bool) -> None:
    """Cut the next release of the national benchmark from the approved rounds (for cron).

    Exits with status 1, changing nothing, when fewer municipalities changed since the previous
    release than the disclosure rules require.
    """
    with _database() as db:
        library = current_app.extensions["selfscan.library"]
        current = current_app.extensions["selfscan.current"]
        try:
            made = releases.cut(db, *disclosure.published_ids(library, current),
                                 synthetic=synthetic)
        except disclosure.ReleaseRefused as exc:
            click.echo(str(exc), err=True)
            raise SystemExit(1) from None
    click.echo(f"Release {made.number} ({'synthetisch, ' if synthetic else ''}{made.created_at}): "
               f"{made.content['municipalities'] or 'minder dan 5'} gemeenten")



@click.command("purge-expired")
@with_appcontext
def purge_expired() -> None:
    """Apply the retention periods (for cron, e.g. daily): erase coordinators' e-mail addresses
    SELFSCAN_EMAIL_RETENTION_DAYS after a round closed and once a coaching request is handled;
    warn (by e-mail, SELFSCAN_DELETE_WARNING_DAYS before) and then delete open rounds without
    activity for SELFSCAN_INACTIVE_ROUND_DAYS; delete expired confirmation links and rate-limit
    counters. Reports counts only, never addresses or links."""
    config = current_app.config
    inactive, warning = int(config["INACTIVE_ROUND_DAYS"]), int(config["DELETE_WARNING_DAYS"])
    settings = mail.MailSettings.from_config(config, current_app.instance_path)
    counts = {"addresses_erased": 0, "warnings_sent": 0, "warnings_failed": 0,
              "rounds_deleted": 0, "confirmations_deleted": 0, "rate_limits_deleted": 0}
    with _database() as db:
        counts["addresses_erased"] = retention.erase_addresses(db, int(config["EMAIL_RETENTION_DAYS"]))
        for r in retention.rounds_to_warn(db, inactive, warning):
            message = mail.deletion_warning_message(
                settings.sender, r["contact_email"], municipality=r["municipality_name"],
                year=r["year"], delete_on=_delete_date(r["last_activity"], inactive, warning),
                links_url=_links_url(config))
            try:
                mail.send(settings, message)
            except mail.MailError:
                counts["warnings_failed"] += 1  # tried again on the next run; not deleted before
                continue
            retention.mark_warned(db, r["id"])
            counts["warnings_sent"] += 1
        for round_id in retention.rounds_to_delete(db, inactive, warning):
            rounds.delete_round(db, round_id)
            counts["rounds_deleted"] += 1
        counts["confirmations_deleted"] = contact.purge_expired_confirmations(db)
    if config.get("RATELIMIT_STORAGE_URI", "database") in ("", "database"):
        counts["rate_limits_deleted"] = SQLiteStorage(config["DATABASE"]).purge_expired()
    line = ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in counts.items())
    current_app.logger.info("purge-expired: %s", line)
    click.echo(f"purge-expired: {line}")


def _delete_date(last_activity: str, inactive: int, warning: int) -> str:
    """The first day the round may be deleted: its inactivity period ends, and at least the
    warning period after today."""
    last = datetime.strptime(last_activity[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return max(last + timedelta(days=inactive), datetime.now(UTC) + timedelta(days=warning)
               ).strftime("%d-%m-%Y")


def _links_url(config: Any) -> str:
    base = str(config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/links-opnieuw" if base else ""
