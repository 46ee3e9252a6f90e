"""CCV commands: accounts, API tokens and clearly marked synthetic demonstration data."""

from __future__ import annotations

import random
import secrets
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click
import sqlite_utils
from flask import Flask, current_app

from selfscan import db as dbmod
from selfscan import scoring, store, users, web
from selfscan.db import write
from selfscan.questionnaire import Questionnaire
from selfscan.store import log_event

DEMO_YEARS = 5
"""Synthetic rounds are spread over this year and the years before it."""
DEMO_NAME = "Synthetische demonstratieronde"


def _connect() -> sqlite_utils.Database:
    from selfscan import ensure_ready

    ensure_ready(current_app)  # migrate and load the register on a fresh installation
    return dbmod.connect(current_app.config["DATABASE"])


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(users.ROLES), default="ccv", show_default=True,
                  help="ccv: benchmark, coaching list and exports; admin: the same.")
    @click.option("--password-stdin", is_flag=True,
                  help="Lees het wachtwoord als één regel van stdin (voor scripts).")
    def create_user(email: str, role: str, password_stdin: bool) -> None:
        """Maak een CCV-account aan (wachtwoord van minstens 12 tekens)."""
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Wachtwoord", hide_input=True,
                                    confirmation_prompt="Herhaal het wachtwoord")
        conn = _connect()
        try:
            user = users.create_user(conn, email, password, role)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            conn.conn.close()
        click.echo(f"Account aangemaakt: {user.email} (rol {user.role})")

    @app.cli.command("create-api-token")
    @click.argument("email")
    @click.option("--label", default="", help="Waarvoor het token is, bijvoorbeeld 'dashboard'.")
    def create_api_token(email: str, label: str) -> None:
        """Maak een API-token voor een CCV-account; het token wordt één keer getoond."""
        conn = _connect()
        try:
            user = users.user_by_email(conn, email)
            if user is None:
                raise click.ClickException(
                    f"er is geen account voor {email}; maak het eerst met create-user")
            token = users.create_api_token(conn, user.id, label)
        finally:
            conn.conn.close()
        click.echo("Bewaar dit token veilig; het wordt niet opnieuw getoond:", err=True)
        click.echo(token)

    @app.cli.command("demo-data")
    @click.option("--rounds", "n_rounds", type=click.IntRange(0, 1_000_000), default=0,
                  help="Aantal synthetische rondes om toe te voegen.")
    @click.option("--purge", is_flag=True, help="Verwijder eerst alle synthetische rondes.")
    @click.option("--seed", type=int, default=None, help="Vaste start voor herhaalbare data.")
    def demo_data(n_rounds: int, purge: bool, seed: int | None) -> None:
        """Vul de database met duidelijk gemarkeerde synthetische rondes (of verwijder ze)."""
        if not purge and n_rounds == 0:
            raise click.UsageError("geef --rounds N, --purge of allebei")
        conn = _connect()
        try:
            if purge:
                removed = purge_synthetic(conn)
                click.echo(f"{removed} synthetische rondes verwijderd")
            if n_rounds:
                q = web.current()
                made = insert_synthetic(conn, q, n_rounds, seed=seed)
                click.echo(f"{made} synthetische rondes toegevoegd (gemarkeerd als synthetisch)")
        finally:
            conn.conn.close()


def purge_synthetic(db: sqlite_utils.Database) -> int:
    """Delete every synthetic round with its scores (cascades); real rounds stay untouched."""
    with write(db) as conn:  # previous_round_id pointing here is cleared by its foreign key
        conn.execute("""UPDATE events SET round_id = NULL WHERE round_id IN
                        (SELECT id FROM rounds WHERE synthetic = 1)""")
        removed = conn.execute("DELETE FROM rounds WHERE synthetic = 1").rowcount
        log_event(conn, "synthetic_purged", None, f"{removed} rondes")
    return removed


def _clamp_level(x: float) -> float:
    # Medians of a few respondents are whole or half levels.
    return min(4.0, max(0.0, round(x * 2) / 2))


def insert_synthetic(db: sqlite_utils.Database, q: Questionnaire, n_rounds: int, *,
                     seed: int | None = None, batch: int = 5_000) -> int:
    """Insert closed, consented synthetic rounds with stored scores, in bulk.

    No respondents or answers are made: the benchmark reads only the stored scores, and
    generating answers for 100,000 rounds would take minutes. Scores follow the same rules as
    scoring.aggregate (dimension score = mean of item median * 25; overall = mean of dimensions),
    so the numbers are consistent with real rounds. Each municipality gets its own maturity that
    grows a little per year, with per-dimension differences: a plausible spread for box plots.
    """
    rng = random.Random(seed)
    codes = [r[0] for r in db.execute("SELECT code FROM municipalities ORDER BY code")]
    if not codes:
        raise click.ClickException("er staan geen gemeenten in de database; draai eerst init-db")
    base = {code: rng.betavariate(2.2, 2.6) * 3.6 for code in codes}  # level 0..3.6
    dim_offset = {d.id: rng.uniform(-0.5, 0.4) for d in q.dimensions}
    # Some items lag behind nationally, so the bottleneck lists have something to show.
    item_offset = {item_id: rng.uniform(-0.8, 0.4) for item_id in q.items}
    this_year = date.today().year
    years = list(range(this_year - DEMO_YEARS + 1, this_year + 1))
    structure = q.structure
    made = 0
    while made < n_rounds:
        size = min(batch, n_rounds - made)
        pending: list[tuple[dict[str, Any], list[tuple[Any, ...]], list[tuple[Any, ...]]]] = []
        for _ in range(size):
            code = rng.choice(codes)
            year = rng.choice(years)
            growth = 0.15 * (year - years[0])
            respondents = rng.randint(3, 12)
            dim_rows: list[tuple[Any, ...]] = []
            item_rows: list[tuple[Any, ...]] = []
            dim_scores = []
            for dim_id, item_ids in structure.items():
                centre = base[code] + dim_offset[dim_id] + growth
                scored = []
                unknown_total = given_total = 0
                for item_id in item_ids:
                    unknown = min(respondents, int(rng.expovariate(1.2)))
                    na = 1 if rng.random() < 0.05 else 0
                    answered = max(0, respondents - unknown - na)
                    if answered:
                        median = _clamp_level(rng.gauss(centre + item_offset[item_id], 0.7))
                        q1 = max(0.0, median - rng.choice((0.0, 0.5, 1.0)))
                        q3 = min(4.0, median + rng.choice((0.0, 0.5, 1.0)))
                        spread = rng.choice((0, 1, 1, 2, 2, 3))
                        scored.append(median * scoring.LEVEL_SCORE[1])
                    else:
                        median = q1 = q3 = spread = None
                    unknown_total += unknown
                    given_total += answered + unknown + na
                    item_rows.append((item_id, median, q1, q3, spread, answered, unknown, na))
                score = sum(scored) / len(scored) if scored else None
                coverage = len(scored) / len(item_ids) if item_ids else 0.0
                dim_scores.append(score)
                dim_rows.append((dim_id, score, coverage, respondents, rng.uniform(3, 25),
                                 unknown_total / given_total if given_total else 0.0,
                                 scoring.phase_for(score, q.phases)))
            present = [s for s in dim_scores if s is not None]
            overall = sum(present) / len(present) if present else None
            closed = datetime(year, rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC)
            created = closed - timedelta(days=rng.randint(7, 60))
            meta = {
                "municipality_code": code, "year": year, "overall": overall,
                "phase": scoring.phase_for(overall, q.phases), "respondents": respondents,
                "created": created.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "closed": closed.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            }
            pending.append((meta, dim_rows, item_rows))
        with write(db) as conn:
            for meta, dim_rows, item_rows in pending:
                # Random token hashes: nobody holds a link to a synthetic round.
                cur = conn.execute(
                    """INSERT INTO rounds (municipality_code, questionnaire_id, version, year, name,
                         coordinator_token_hash, invitation_token_hash, invitation_nonce, status,
                         benchmark_consent, coaching_requested, synthetic, overall_score,
                         overall_phase, respondent_count, created_at, closed_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'closed', 1, 0, 1, ?, ?, ?, ?, ?)""",
                    (meta["municipality_code"], q.id, q.version, meta["year"], DEMO_NAME,
                     secrets.token_hex(32), secrets.token_hex(32), secrets.token_hex(8),
                     meta["overall"], meta["phase"], meta["respondents"], meta["created"],
                     meta["closed"]))
                store.insert_scores(conn, cur.lastrowid, dim_rows, item_rows)
            log_event(conn, "synthetic_added", None, f"{len(pending)} rondes")
        made += size
    return made
