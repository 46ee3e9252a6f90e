"""Command-line interface: flask --app selfscan <command>."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from selfscan import db as dbmod
from selfscan import store, web
from selfscan.questionnaire import DefinitionErrors, definition_files, load_folder, load_paths


def _connect() -> dbmod.sqlite_utils.Database:
    return dbmod.connect(current_app.config["DATABASE"])


def register(app: Flask) -> None:
    from selfscan import cli_ccv

    cli_ccv.register(app)  # the CCV's own commands

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or migrate the database and load the register and questionnaires (idempotent)."""
        from selfscan import init_storage

        try:
            init_storage(current_app)
        except DefinitionErrors as exc:
            raise click.ClickException("de vragenlijsten zijn niet geldig:\n" + str(exc)) from None
        except store.VersionChanged as exc:
            raise click.ClickException(str(exc)) from None
        conn = _connect()
        n = conn.execute("SELECT count(*) FROM municipalities").fetchone()[0]
        versions = ", ".join(f"{q['id']} v{q['version']}" for q in
                             web.library().versions())
        click.echo(f"Database {current_app.config['DATABASE']} (schema {dbmod.schema_version(conn)}):"
                   f" {n} gemeenten, vragenlijsten: {versions}")
        conn.conn.close()

    @app.cli.command("load-questionnaires")
    def load_questionnaires() -> None:
        """Load the questionnaire folder into the database; refuses to change answered versions."""
        folder = Path(current_app.config["QUESTIONNAIRES"])
        try:
            library = load_folder(folder)
        except DefinitionErrors as exc:
            raise click.ClickException("de vragenlijsten zijn niet geldig:\n" + str(exc)) from None
        conn = _connect()
        try:
            dbmod.migrate(conn)
            for line in store.sync_questionnaires(conn, library.questionnaires):
                click.echo(line)
        except store.VersionChanged as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            conn.conn.close()

    @app.cli.command("check-questionnaires")
    @click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
    def check_questionnaires(paths: tuple[Path, ...]) -> None:
        """Check questionnaire files (default: the whole folder) without touching the database."""
        folder = Path(current_app.config["QUESTIONNAIRES"])
        chosen = list(paths) or [*definition_files(folder), folder / "tools.yaml"]
        if chosen and all(p.name == "tools.yaml" for p in chosen):
            # A catalogue is checked against the questionnaires it refers to.
            chosen = [*definition_files(folder), *chosen]
        try:
            library = load_paths(chosen)
        except DefinitionErrors as exc:
            for error in exc.errors:
                click.echo(str(error), err=True)
            raise SystemExit(1) from None
        for q in library.questionnaires:
            n = sum(len(d.items) for d in q.dimensions)
            click.echo(f"OK {q.source}: {q.id} versie {q.version}, {len(q.dimensions)} dimensies, "
                       f"{n} items, hash {q.content_hash[:12]}")
        if library.catalogue.tools:
            click.echo(f"OK tools.yaml: {len(library.catalogue.tools)} hulpmiddelen")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(path_type=Path))
    def backup(path: Path) -> None:
        """Write a consistent copy of the live database to PATH (safe while the service runs)."""
        conn = _connect()
        try:
            dbmod.backup(conn, path)
        finally:
            conn.conn.close()
        click.echo(f"Back-up geschreven naar {path}")
