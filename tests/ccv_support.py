"""Helpers for the CCV tests: rounds through the real store functions, and signing in."""

from __future__ import annotations

from pages import csrf_of

from selfscan.storage import rounds, users

PASSWORD = "een-lang-wachtwoord-123"
COMMENT = "Vertrouwelijke toelichting van de politie over gezin Jansen"


def municipalities_where(db, peer_group=None, province=None):
    sql = "SELECT code FROM municipalities WHERE 1=1"
    params = []
    if peer_group:
        sql += " AND peer_group = ?"
        params.append(peer_group)
    if province:
        sql += " AND province = ?"
        params.append(province)
    return [r[0] for r in db.execute(sql + " ORDER BY code", params).fetchall()]


def add_round(db, q, code, year, level=2, *, consent=True, synthetic=False, close=True,
              coaching=False, email=None, comment=None, unknown_dims=(), role="police"):
    """A round with one submitted respondent answering `level` everywhere, closed by default."""
    rid, _token = rounds.create_round(
        db, municipality_code=code, questionnaire=q, year=year, benchmark_consent=consent,
        coaching_requested=coaching, contact_email=email, synthetic=synthetic)
    pid, _resume = rounds.create_respondent(db, rid, role)
    answers = {item.id: ("unknown" if d.id in unknown_dims else str(level))
               for d in q.dimensions for item in d.items}
    rounds.save_answers(db, pid, answers=answers,
                       comments={q.dimensions[0].id: comment} if comment else None)
    rounds.submit_respondent(db, pid, rid)
    if close:
        rounds.close_round(db, rid, q)
    return rid


def make_user(db, email="analist@hetccv.nl", role="ccv"):
    return users.create_user(db, email, PASSWORD, role)


csrf = csrf_of  # the CCV tests' name for it


def sign_in(client, email="analist@hetccv.nl", password=PASSWORD):
    page = client.get("/ccv/inloggen")
    return client.post("/ccv/inloggen", data={
        "csrf_token": csrf(page.text), "email": email, "password": password})
