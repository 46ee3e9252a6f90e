"""Command-line interface: flask --app selfscan <command>. Help texts are in English; messages
about the questionnaires are in Dutch, the language their authors write in."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

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
    for command in (init_db, load_questionnaires, check_questionnaires, backup, restore,
                    create_user, list_users, reset_password, disable_user, delete_user,
                    create_api_token, list_api_tokens, revoke_api_token, demo_data, demo_setup, release,
                    purge_expired):
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
    """Write a consistent copy of the live database to PATH (safe while the service runs),
    with mode 600, and verify the copy with PRAGMA integrity_check."""
    source = Path(current_app.config["DATABASE"])
    if not source.is_file() or source.stat().st_size == 0:
        _fail(f"er is geen database om te bewaren: {source} bestaat niet of is leeg; "
              "maak haar met flask --app selfscan init-db")
    if path.is_dir():
        _fail(f"{path} is een map; geef de naam van het back-upbestand, bijvoorbeeld "
              f"{path / 'selfscan-backup.db'}")
    with _database(prepare=False) as db:
        if not db.table_names():
            _fail(f"de database {source} is leeg; er is niets om te bewaren")
        dbmod.backup(db, path)
    problem = _integrity_problem(path)
    if problem:
        _fail(f"de back-up {path} is niet in orde ({problem}); bewaar haar niet")
    click.echo(f"Back-up geschreven naar {path} (modus 600) en gecontroleerd: "
               "PRAGMA integrity_check ok")


def _fail(message: str) -> NoReturn:
    click.echo(f"Fout: {message}", err=True)
    raise SystemExit(1)


def _integrity_problem(path: Path) -> str | None:
    """None when PATH is a sound SQLite database; otherwise what is wrong, in Dutch."""
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            return "geen SQLite-database"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"beschadigd: {exc}"
    return None if rows == ["ok"] else "beschadigd: " + "; ".join(map(str, rows[:5]))


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for the typed confirmation (for scripts).")
def restore(path: Path, yes: bool) -> None:
    """Replace the live database by the backup at PATH, in one transaction with SQLite's online
    backup API (safe while the service runs), then migrate it and load the register and the
    questionnaires (as init-db). Asks to type 'herstel' first (or --yes)."""
    if not path.is_file():
        _fail(f"{path} bestaat niet of is geen bestand")
    problem = _integrity_problem(path)
    if problem:
        _fail(f"{path} is geen bruikbare back-up ({problem}); er is niets veranderd")
    summary = _summary(path)
    if summary["schema"] > migrations.SCHEMA_VERSION:
        _fail(f"{path} heeft schema {summary['schema']}, nieuwer dan deze versie van de zelfscan "
              f"({migrations.SCHEMA_VERSION}); er is niets veranderd")
    target = current_app.config["DATABASE"]
    click.echo(f"Dit vervangt ALLE gegevens in {target} door de back-up {path} "
               f"({_describe(summary)}).", err=True)
    if not yes and click.prompt("Typ 'herstel' om door te gaan", default="",
                                show_default=False, err=True).strip() != "herstel":
        _fail("niet hersteld; er is niets veranderd")
    with _database(prepare=False) as db:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(db.conn)  # all pages in one step: one write transaction
        except sqlite3.Error as exc:
            _fail(f"herstellen mislukt ({exc}); de database is niet veranderd")
        finally:
            source.close()
        os.chmod(target, 0o600)
    _prepare_restored(path)
    with _database(prepare=False) as db:
        version = migrations.schema_version(db)
    click.echo(f"Hersteld uit {path}: {_describe(summary)}; schema nu {version}")


def _prepare_restored(path: Path) -> None:
    """Migrate the restored database and load the register and questionnaires into it."""
    from selfscan.web import init_storage

    try:
        init_storage(current_app)
    except (loading.DefinitionErrors, questionnaires.VersionChanged) as exc:
        _fail(f"{path} is hersteld, maar voorbereiden mislukte ({exc}); los dit op en voer "
              "flask --app selfscan init-db uit")


def _summary(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {"schema": int(conn.execute("PRAGMA user_version").fetchone()[0])}
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in ("rounds", "users"):
            out[table] = (int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                          if table in tables else 0)
    finally:
        conn.close()
    return out


def _describe(summary: dict[str, int]) -> str:
    return (f"schema {summary['schema']}, {summary['rounds']} rondes, "
            f"{summary['users']} accounts")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", "account_role", type=click.Choice(users.NEW_ACCOUNT_ROLES), default="ccv",
              show_default=True,
              help="ccv: benchmark, coaching list and exports (the only role; accounts made "
                   "earlier with 'admin' work as ccv).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password as one line from standard input (for scripts), "
                   "for example: printf '%s\\n' \"$PW\" | flask --app selfscan create-user EMAIL "
                   "--password-stdin.")
def create_user(email: str, account_role: str, password_stdin: bool) -> None:
    """Create a CCV account (password of at least 12 characters; asked twice unless
    --password-stdin)."""
    password = _read_password(password_stdin)
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


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Wachtwoord", hide_input=True,
                            confirmation_prompt="Herhaal het wachtwoord"))


def _account(db: dbmod.Database, email: str) -> users.User:
    user = users.user_by_email(db, email)
    if user is None:
        raise click.ClickException(f"er is geen account voor {email}; zie list-users")
    return user


def _day(stamp: str | None) -> str:
    return (stamp or "-")[:16].replace("T", " ")


@click.command("list-users")
@with_appcontext
def list_users() -> None:
    """List the CCV accounts: e-mail, role, created, last sign-in, disabled (never a password)."""
    with _database() as db:
        rows = users.list_users(db)
    if not rows:
        click.echo("Geen accounts; maak er een met flask --app selfscan create-user EMAIL")
        return
    click.echo(f"{'e-mailadres':40} {'rol':6} {'aangemaakt':16} {'laatst ingelogd':16} uitgeschakeld")
    for r in rows:
        click.echo(f"{r['email']:40} {r['account_role']:6} {_day(r['created_at']):16} "
                   f"{_day(r['last_login_at']):16} {_day(r['disabled_at']) if r['disabled_at'] else 'nee'}")


@click.command("reset-password")
@with_appcontext
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password as one line from standard input (for scripts).")
def reset_password(email: str, password_stdin: bool) -> None:
    """Give an account a new password (asked twice unless --password-stdin); ends every
    session of that account."""
    with _database() as db:
        user = _account(db, email)
        password = _read_password(password_stdin)
        try:
            users.set_password(db, user.id, password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Nieuw wachtwoord ingesteld voor {user.email}; alle sessies zijn beëindigd")


@click.command("disable-user")
@with_appcontext
@click.argument("email")
@click.option("--enable", is_flag=True, help="Enable a disabled account again.")
def disable_user(email: str, enable: bool) -> None:
    """Disable an account: it cannot sign in, its sessions end and its API tokens stop working
    (--enable undoes this)."""
    with _database() as db:
        user = _account(db, email)
        users.set_disabled(db, user.id, not enable)
    click.echo(f"Account {user.email} {'weer ingeschakeld' if enable else 'uitgeschakeld'}")


@click.command("delete-user")
@with_appcontext
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask to type the address (for scripts).")
def delete_user(email: str, yes: bool) -> None:
    """Delete an account and its API tokens, after typing its e-mail address again."""
    with _database() as db:
        user = _account(db, email)
        if not yes:
            typed = click.prompt(f"Typ {user.email} om het account te verwijderen", default="",
                                 show_default=False, err=True)
            if typed.strip().lower() != user.email:
                _fail("niet verwijderd; het getypte adres klopt niet")
        users.delete_user(db, user.id)
    click.echo(f"Account {user.email} en zijn API-tokens verwijderd")


@click.command("list-api-tokens")
@with_appcontext
def list_api_tokens() -> None:
    """List the API tokens: number, account, label and created (never the token itself)."""
    with _database() as db:
        rows = users.list_api_tokens(db)
    if not rows:
        click.echo("Geen API-tokens")
        return
    click.echo(f"{'nr':>4} {'account':40} {'label':20} aangemaakt (laatst gebruikt: niet bijgehouden)")
    for r in rows:
        state = " (account uitgeschakeld)" if r["disabled_at"] else ""
        click.echo(f"{r['id']:>4} {r['email']:40} {r['label'] or '-':20} "
                   f"{_day(r['created_at'])}{state}")


@click.command("revoke-api-token")
@with_appcontext
@click.argument("token_id", metavar="ID", type=int)
def revoke_api_token(token_id: int) -> None:
    """Revoke an API token by the number list-api-tokens shows; it stops working at once."""
    with _database() as db:
        if not users.revoke_api_token(db, token_id):
            raise click.ClickException(f"er is geen API-token met nummer {token_id}; "
                                       "zie list-api-tokens")
    click.echo(f"API-token {token_id} ingetrokken")


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


DEMO_ROUND_NAME = "Demonstratieronde (synthetisch, voorbeeld)"
DEMO_EMAIL = "demo@ccv.example"
DEMO_ROLES = ("municipality-security", "municipality-social", "police", "prosecutor",
              "child-protection", "veilig-thuis", "education", "housing")


@click.command("demo-setup")
@with_appcontext
@click.option("--url", default="http://127.0.0.1:5001", show_default=True,
              help="The address the demo is served on, for the printed links.")
def demo_setup(url: str) -> None:
    """Prepare a separate demo instance (idempotent): synthetic rounds of 40 municipalities with a
    synthetic release, a closed demo round of 8 respondents, and a CCV demo account. Refuses the
    default instance folder and any database that holds real rounds."""
    import os
    import random

    from selfscan.config import PROJECT_ROOT
    from selfscan.core import tokens
    from selfscan.storage import readonly_links

    real = (PROJECT_ROOT / "instance").resolve()
    if real in (Path(current_app.instance_path).resolve(),
                Path(current_app.config["DATABASE"]).resolve().parent):
        raise click.ClickException("demo-setup draait niet op de echte instance-map; gebruik "
                                   "SELFSCAN_INSTANCE_PATH=instance-demo (make demo)")
    with _database() as db:
        q = current_app.extensions["selfscan.current"]
        if db.execute("SELECT count(*) FROM rounds WHERE synthetic = 0").fetchone()[0]:
            raise click.ClickException("deze database bevat echte rondes; demo-setup draait alleen "
                                       "op een aparte demodatabase")
        batch = 0
        while db.execute("SELECT count(DISTINCT municipality_code) FROM rounds "
                         "WHERE synthetic = 1 AND name = ?", [demo.DEMO_NAME]).fetchone()[0] < 40:
            demo.insert_synthetic(db, q, 1, seed=1400 + batch)
            batch += 1
        if not releases.exists(db, True):
            releases.cut(db, *disclosure.published_ids(current_app.extensions["selfscan.library"], q),
                         synthetic=True)
        row = db.execute("SELECT id FROM rounds WHERE synthetic = 1 AND name = ?",
                         [DEMO_ROUND_NAME]).fetchone()
        if row is None:
            round_id, coordinator = rounds.create_round(
                db, municipality_code="GM0344", questionnaire=q, year=date.today().year,
                name=DEMO_ROUND_NAME, synthetic=True)
            rng = random.Random(14)
            for n, role in enumerate(DEMO_ROLES):
                respondent_id, _resume = rounds.create_respondent(db, round_id, role)
                rounds.save_answers(db, respondent_id, answers={
                    item: str(min(4, max(0, round(rng.gauss(1.2 + 0.4 * (k % 5) + 0.1 * n, 0.9)))))
                    for k, d in enumerate(q.dimensions) for item in (i.id for i in d.items)})
                rounds.submit_respondent(db, respondent_id, round_id)
            rounds.close_round(db, round_id, q)
        else:  # the coordinator link is kept hashed only: a new one replaces the old
            round_id, coordinator = row[0], rounds.replace_coordinator(db, row[0])
        readonly = readonly_links.create_or_replace(db, round_id)
        password_file = Path(current_app.instance_path) / "demo_password"
        if users.user_by_email(db, DEMO_EMAIL) is None:
            password_file.unlink(missing_ok=True)
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(tokens.new_token()[:20])
            users.create_user(db, DEMO_EMAIL, password_file.read_text(encoding="ascii"))
        password = password_file.read_text(encoding="ascii").strip()
    base = url.rstrip("/")
    click.echo(f"Demo klaar in {current_app.instance_path} (synthetische gegevens, niet echt):\n"
               f"  Coördinatorlink demoronde: {base}/c/{coordinator}\n"
               f"  Uitkomsten:                {base}/c/{coordinator}/uitkomsten\n"
               f"  Alleen-lezenlink:          {base}/l/{readonly}\n"
               f"  CCV-dashboard:             {base}/ccv/inloggen\n"
               f"    e-mail {DEMO_EMAIL}, wachtwoord {password}")


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
               f"{made.content['municipalities'] or f'minder dan {disclosure.THRESHOLD}'} gemeenten")



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
