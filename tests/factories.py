"""Test data through the real storage functions: apps on the template database, rounds, users."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from flask import Flask
from pages import csrf_of

from selfscan import create_app
from selfscan.core import tokens
from selfscan.core.questionnaire import Library, Questionnaire
from selfscan.storage import approvals, contact, rounds, users
from selfscan.storage import db as dbmod
from selfscan.web import ensure_ready

# --- apps on a copy of one database ------------------------------------------------------------

TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": False}


class CompiledTemplates(jinja2.BytecodeCache):
    """Page templates compiled once per session and shared by every app.

    Each app has its own Jinja environment and would compile every page it renders again (about
    0.1 s for a few pages); a server process compiles them once. Jinja checks the source's
    checksum, so a template changed on disk is compiled afresh.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@dataclass(frozen=True)
class Template:
    """A database migrated and loaded once per session, and the library that was loaded with it."""

    database: Path
    library: Library
    current: Questionnaire
    sources: tuple[str, str]  # the questionnaire folder and municipality register it was made from
    compiled: CompiledTemplates = field(default_factory=CompiledTemplates)


def build_template(folder: Path) -> Template:
    """Prepare a database the way a starting app does, with everything in its main file."""
    app = create_app({**TEST_CONFIG, "INSTANCE_PATH": str(folder)})
    ensure_ready(app)
    db = dbmod.connect(app.config["DATABASE"])
    try:
        dbmod.checkpoint(db)  # so that a copy of the one .db file is the complete database
    finally:
        db.conn.close()
    return Template(Path(app.config["DATABASE"]), app.extensions["selfscan.library"],
                    app.extensions["selfscan.current"],
                    (app.config["QUESTIONNAIRES"], app.config["MUNICIPALITIES_CSV"]))


def make_app(template: Template, instance: Path, **config: Any) -> Flask:
    """An app in `instance` on its own copy of the template database, ready to serve.

    `config` overrides the test settings; it may not point at other questionnaires or another
    register, which need a database of their own (create_app and ensure_ready, as before).
    """
    instance.mkdir(parents=True, exist_ok=True)
    database = instance / "selfscan.db"
    shutil.copyfile(template.database, database)
    os.chmod(database, 0o600)  # as storage.db.connect creates a database
    app = create_app({**TEST_CONFIG, "INSTANCE_PATH": str(instance), "DATABASE": str(database),
                      **config})
    assert (app.config["QUESTIONNAIRES"], app.config["MUNICIPALITIES_CSV"]) == template.sources, \
        "an app on other questionnaires or another register cannot use the template database"
    # ensure_ready would find the copy up to date and only parse the same YAML files again
    # (about 0.2 s per app); hand it the library that was loaded into the template instead.
    app.extensions["selfscan.library"] = template.library
    app.extensions["selfscan.current"] = template.current
    ensure_ready(app)  # now a no-op, as on every request after the first
    app.jinja_env.bytecode_cache = template.compiled
    return app


@contextmanager
def connection(where: Flask | dbmod.Database) -> Iterator[dbmod.Database]:
    """The connection given, or a new one to the app's database that is closed afterwards."""
    if not isinstance(where, Flask):
        yield where
        return
    db = dbmod.connect(where.config["DATABASE"])
    try:
        yield db
    finally:
        db.conn.close()


def current(app: Flask) -> Questionnaire:
    """The questionnaire version new rounds of the app answer."""
    return app.extensions["selfscan.current"]


# --- rounds ------------------------------------------------------------------------------------

# A level for every item; or item -> value with "*" as the default for the items not named (without
# "*" only the named items are answered); or a function of the item ids in questionnaire order;
# or None for someone who joined and answered nothing.
Answers = str | Mapping[str, str | None] | Callable[[Sequence[str]], Mapping[str, str]] | None
Respondent = tuple[str, Answers]  # (role group, answers)

ROLES = ("municipality-security", "police", "child-protection", "veilig-thuis", "education",
         "municipality-social")


@dataclass
class RoundHandle:
    """The secret links of a round made for a test, as its coordinator and respondents hold them."""

    round_id: int
    coordinator: str
    invitation: str
    respondents: list[tuple[int, str]] = field(default_factory=list)  # (id, resume token)


def varied(count: int, seed: int = 0) -> list[Respondent]:
    """`count` people from different role groups, each answering every item, in different levels."""
    return [(ROLES[n % len(ROLES)], _levels_from(n + seed)) for n in range(count)]


def _levels_from(offset: int) -> Callable[[Sequence[str]], dict[str, str]]:
    return lambda items: {item: str((k + offset) % 5) for k, item in enumerate(items)}


def make_round(
    where: Flask | dbmod.Database, respondents: Sequence[Respondent] = (), *,
    submitted: int | None = None, closed: bool = True, municipality: str = "GM0363",
    year: int | None = None, questionnaire: Questionnaire | None = None, consent: bool = True,
    coaching: bool = False, email: str | None = None, comments: Mapping[str, str] | None = None,
    synthetic: bool = False, previous_round_id: int | None = None,
    unknown_dimensions: Sequence[str] = (), approved: bool = False,
) -> RoundHandle:
    """A round of `municipality` that each of `respondents` joins and answers.

    `where` is an app or a connection (then `questionnaire` is needed). The first `submitted`
    respondents submit (None: all of them); then the round is closed unless `closed` is False.
    `year` is this year unless given. Every respondent writes `comments` (dimension -> text) and
    answers "unknown" on every item of `unknown_dimensions`. `approved` confirms the
    coordinator's address and has the CCV approve the round, as the web does, so that it counts
    in releases.
    """
    with connection(where) as db:
        q = questionnaire or current(where)
        round_id, coordinator = rounds.create_round(
            db, municipality_code=municipality, questionnaire=q,
            year=date.today().year if year is None else year, benchmark_consent=consent,
            coaching_requested=coaching, contact_email=email, previous_round_id=previous_round_id,
            synthetic=synthetic)
        nonce = rounds.round_by_id(db, round_id)["invitation_nonce"]
        handle = RoundHandle(round_id, coordinator, tokens.invitation_token(coordinator, nonce))
        handle.respondents = add_respondents(
            db, round_id, respondents, questionnaire=q, submitted=submitted, comments=comments,
            unknown_dimensions=unknown_dimensions)
        if closed:
            rounds.close_round(db, round_id, q)
        if approved:
            if email is None:
                contact.set_address(db, round_id, f"coordinator-{round_id}@gemeente.example")
            assert contact.confirm(db, contact.new_confirmation(db, round_id))
            assert approvals.decide(db, round_id, "approve")
    return handle


def add_respondents(
    where: Flask | dbmod.Database, round_id: int, respondents: Sequence[Respondent], *,
    questionnaire: Questionnaire | None = None, submitted: int | None = None,
    comments: Mapping[str, str] | None = None, unknown_dimensions: Sequence[str] = (),
) -> list[tuple[int, str]]:
    """People joining a round that exists (arguments as for make_round); (id, resume token) each."""
    with connection(where) as db:
        q = questionnaire or current(where)
        items = [i.id for d in q.dimensions for i in d.items]
        unknown = {i.id: "unknown" for d in q.dimensions if d.id in unknown_dimensions
                   for i in d.items}
        made = []
        for n, (role, answers) in enumerate(respondents):
            respondent_id, resume = rounds.create_respondent(db, round_id, role)
            values = {**_answer_values(answers, items), **unknown}
            if values or comments:
                rounds.save_answers(db, respondent_id, answers=values, comments=comments)
            if submitted is None or n < submitted:
                rounds.submit_respondent(db, respondent_id, round_id)
            made.append((respondent_id, resume))
    return made


def _answer_values(answers: Answers, items: Sequence[str]) -> dict[str, str | None]:
    if answers is None:
        return {}
    if isinstance(answers, str):
        return dict.fromkeys(items, answers)
    if callable(answers):
        return dict(answers(items))
    if "*" in answers:
        return {i: answers.get(i, answers["*"]) for i in items}
    return dict(answers)


# --- CCV accounts ------------------------------------------------------------------------------

PASSWORD = "een-lang-wachtwoord-123"
STAFF_EMAIL = "analist@hetccv.nl"


def make_user(where: Flask | dbmod.Database, email: str = STAFF_EMAIL, password: str = PASSWORD,
              role: str = "ccv") -> users.User:
    with connection(where) as db:
        return users.create_user(db, email, password, role)


def sign_in(client: Any, email: str = STAFF_EMAIL, password: str = PASSWORD,
            address: str | None = None) -> Any:
    """Sign in through the form, as a person would; from `address` when given."""
    request = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    page = client.get("/ccv/inloggen", **request)
    return client.post("/ccv/inloggen", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)), "email": email,
        "password": password}, **request)


# --- lookups -----------------------------------------------------------------------------------


def municipalities_where(where: Flask | dbmod.Database, peer_group: str | None = None,
                         province: str | None = None, exclude: str | None = None) -> list[str]:
    """Codes of the municipalities in a peer group and/or province, in code order."""
    sql = "SELECT code FROM municipalities WHERE 1=1"
    params: list[Any] = []
    for column, value in (("peer_group", peer_group), ("province", province)):
        if value:
            sql += f" AND {column} = ?"
            params.append(value)
    if exclude:
        sql += " AND code != ?"
        params.append(exclude)
    with connection(where) as db:
        return [r[0] for r in db.execute(sql + " ORDER BY code", params).fetchall()]


def item_ids(app: Flask) -> set[str]:
    return {i.id for d in current(app).dimensions for i in d.items}


def db_snapshot(path: str | Path) -> list[str]:
    """Every row of every table as SQL text, to show that a refused request changed nothing."""
    conn = sqlite3.connect(str(path))
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def answer_values(path: str | Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT respondent_id, item_id, value FROM answers").fetchall()
    finally:
        conn.close()
