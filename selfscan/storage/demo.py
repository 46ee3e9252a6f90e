"""Synthetic demonstration rounds: clearly marked, never mixed with real ones, and removable.

A round is made as a real one is: inserted by ``rounds.insert_round``, its respondents' answers
scored by the scoring core (``scoring.aggregate``) and stored by ``scores.store_scores``, as
closing a round does. Only the answers themselves are not stored: the benchmark reads the stored
scores alone.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from selfscan.core import scoring
from selfscan.core.questionnaire import Questionnaire
from selfscan.storage.db import Database, log_event, write
from selfscan.storage.rounds import insert_round
from selfscan.storage.scores import store_scores

DEMO_YEARS = 5
"""Synthetic rounds are spread over this year and the years before it."""
DEMO_NAME = "Synthetische demonstratieronde"


class NoMunicipalities(Exception):
    """The register is empty: there is nobody to make rounds for."""


def purge_synthetic(db: Database) -> int:
    """Delete every synthetic round with its scores (cascades); real rounds stay untouched."""
    with write(db):  # previous_round_id pointing here is cleared by its foreign key
        db.execute("""DELETE FROM events WHERE round_id IN
                      (SELECT id FROM rounds WHERE synthetic = 1)""")
        removed = db.execute("DELETE FROM rounds WHERE synthetic = 1").rowcount
        log_event(db, "synthetic_purged")
    return int(removed)


class _Population:
    """A plausible spread: each municipality has its own maturity that grows a little per year,
    dimensions differ, and some items lag behind nationally (so bottleneck lists show them)."""

    def __init__(self, rng: random.Random, codes: list[str], q: Questionnaire) -> None:
        self.rng = rng
        self.base = {code: rng.betavariate(2.2, 2.6) * 3.6 for code in codes}  # level 0..3.6
        self.dim_offset = {d.id: rng.uniform(-0.5, 0.4) for d in q.dimensions}
        self.item_offset = {item_id: rng.uniform(-0.8, 0.4) for item_id in q.items}

    def answers(self, structure: Mapping[str, tuple[str, ...]], code: str,
                growth: float) -> dict[str, scoring.Answer]:
        """One respondent's answers: mostly levels near the municipality's maturity."""
        rng = self.rng
        out: dict[str, scoring.Answer] = {}
        for dim_id, item_ids in structure.items():
            centre = self.base[code] + self.dim_offset[dim_id] + growth
            for item_id in item_ids:
                draw = rng.random()
                if draw < 0.12:
                    out[item_id] = scoring.UNKNOWN
                elif draw < 0.14:
                    out[item_id] = scoring.NOT_APPLICABLE
                else:
                    level = round(rng.gauss(centre + self.item_offset[item_id], 0.8))
                    out[item_id] = min(4, max(0, level))
        return out


def insert_synthetic(db: Database, q: Questionnaire, n_rounds: int, *,
                     seed: int | None = None, batch: int = 2_000) -> int:
    """Insert closed, consented synthetic rounds with their scores, ``batch`` per transaction."""
    rng = random.Random(seed)
    codes = [r[0] for r in db.execute("SELECT code FROM municipalities ORDER BY code")]
    if not codes:
        raise NoMunicipalities("er staan geen gemeenten in de database; draai eerst init-db")
    population = _Population(rng, codes, q)
    this_year = date.today().year
    years = list(range(this_year - DEMO_YEARS + 1, this_year + 1))
    made = 0
    while made < n_rounds:
        size = min(batch, n_rounds - made)
        with write(db):
            for _ in range(size):
                code, year = rng.choice(codes), rng.choice(years)
                growth = 0.15 * (year - years[0])
                respondents = [population.answers(q.structure, code, growth)
                               for _ in range(rng.randint(3, 12))]
                aggregate = scoring.aggregate(q.structure, respondents, q.phases)
                closed = datetime(year, rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC)
                created = closed - timedelta(days=rng.randint(7, 60))
                round_id, _token = insert_round(
                    db, municipality_code=code, questionnaire=q, year=year, name=DEMO_NAME,
                    benchmark_consent=True, synthetic=True, created_at=_stamp(created))
                store_scores(db, round_id, aggregate)
                # Demonstration rounds count in the synthetic benchmark without an approval.
                db.execute("UPDATE rounds SET status = 'closed', closed_at = ?, "
                           "approval = 'approved' WHERE id = ?", (_stamp(closed), round_id))
            log_event(db, "synthetic_added")
        made += size
    return made


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
