"""The attacks named in issue 11, run against the app; each must find nothing.

Percentile inversion, temporal differencing, version and filter subtraction, export linkage,
made-up rounds moving a peer median, a stranger's coaching request, and provisional results that
show one respondent.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from factories import make_round, make_user, municipalities_where, sign_in, varied

from selfscan.core import disclosure
from selfscan.core.disclosure import Unit
from selfscan.storage import approvals, coaching_list, contact, releases, users


def _approve(db, handles):
    """The coordinators confirm their addresses and the CCV approves, as on the web."""
    for h in handles:
        contact.set_address(db, h.round_id, f"c{h.round_id}@gemeente.example")
        assert contact.confirm(db, contact.new_confirmation(db, h.round_id))
        assert approvals.decide(db, h.round_id, "approve")


def _cut(app, db):
    with app.app_context():
        from selfscan.web import helpers

        return releases.cut(db, *disclosure.published_ids(helpers.library(), helpers.current()))


def _api(app, client, db):
    staff = users.user_by_email(db, "analist@hetccv.nl") or make_user(db)
    token = users.create_api_token(db, staff.id, "attack")
    return client.get("/api/v1/benchmark", headers={"Authorization": f"Bearer {token}"}).get_json()


def _numbers(data) -> list[float]:
    """Every number anywhere in a JSON document, except the release number and threshold."""
    out: list[float] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in ("release", "threshold", "number"):
                    walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            out.append(float(node))

    walk(data)
    return out


def test_percentile_inversion_finds_nothing(app, client, db, q):
    """Five municipalities with five different exact scores: the old API's P10, Q1, median, Q3
    and P90 gave all five back. Now only a whole-number median remains."""
    codes = municipalities_where(db)[:5]
    handles = [make_round(db, varied(3, seed=7 * n), municipality=code, questionnaire=q)
               for n, code in enumerate(codes)]
    _approve(db, handles)
    exact = sorted(db.execute("SELECT overall_score FROM rounds WHERE id IN (?, ?, ?, ?, ?)",
                              [h.round_id for h in handles]).fetchall())
    _cut(app, db)
    data = _api(app, client, db)
    national = data["national"]
    for stats in (national["overall"], *national["dimensions"].values()):
        assert [k for k, v in stats.items() if v is not None] == ["median"]
    assert data["municipalities"] == "5-9"
    assert len({v[0] for v in exact}) == 5 and not all(float(v[0]).is_integer() for v in exact)
    # At most the median unit's score, where it happens to be whole: never the other four.
    assert len({float(v[0]) for v in exact} & set(_numbers(data))) <= 1


def test_temporal_differencing_finds_nothing(app, client, db, q):
    """One API call before and one after a municipality closes its round: the same release."""
    codes = municipalities_where(db)[:12]
    _approve(db, [make_round(db, [("police", "2")] * 3, municipality=c, questionnaire=q)
                  for c in codes[:6]])
    _cut(app, db)
    before = _api(app, client, db)
    target = make_round(db, [("police", "4")] * 3, municipality=codes[6], questionnaire=q)
    _approve(db, [target])
    after = _api(app, client, db)
    assert before == after  # nothing live: the figures change only with a release
    with pytest.raises(disclosure.ReleaseRefused):
        _cut(app, db)  # and a release that adds one municipality is refused
    _approve(db, [make_round(db, [("police", "1")] * 3, municipality=c, questionnaire=q)
                  for c in codes[7:11]])
    second = _cut(app, db)
    assert second.number == 2  # five municipalities changed: the target hides among them


def test_comparing_two_row_files_finds_nothing(app, client, db, q):
    """Four municipalities leave (their approval withdrawn) and one enters: five changes, but the
    new row file would differ from the old one by a single new row. Refused."""
    codes = municipalities_where(db)[:11]
    handles = [make_round(db, [("police", "2")] * 3, municipality=c, questionnaire=q)
               for c in codes[:10]]
    _approve(db, handles)
    _cut(app, db)
    for handle in handles[:4]:
        assert approvals.decide(db, handle.round_id, "reject")
    _approve(db, [make_round(db, [("police", "4")] * 3, municipality=codes[10], questionnaire=q)])
    with pytest.raises(disclosure.ReleaseRefused):
        _cut(app, db)
    assert releases.latest(db).number == 1


def _unit(n, **kw):
    fields = {"municipality": f"GM{n:04d}", "round_id": n, "year": 2025, "version": "mpg:1",
              "province": "Utrecht", "peer_group": "20k-50k", "caseload": None,
              "overall": 40.0 + n, "dimensions": {"connection": 40.0 + n}}
    fields.update(kw)
    return Unit(**fields)


def test_version_subtraction_finds_nothing():
    """All versions minus one version: the other version's cell would be one municipality."""
    units = [_unit(i) for i in range(8)] + [_unit(99, version="mpg:2", overall=3.0)]
    content = disclosure.content(units, ["connection"], [])
    cells = content["tables"]["version"]["cells"]
    assert not cells["mpg:2"]["shown"]
    assert not cells["mpg:1"]["shown"]  # else national minus mpg:1 would give mpg:2's unit


def test_filter_subtraction_finds_nothing(app, client, db, q):
    """A province minus the rest, a size class minus size class x province: breakdowns are
    one-way, small cells and their complements are suppressed, counts are bands."""
    by_province = {p: municipalities_where(db, province=p)
                   for p in ("Utrecht", "Zeeland", "Drenthe")}
    picked = by_province["Utrecht"][:7] + by_province["Zeeland"][:1] + by_province["Drenthe"][:6]
    _approve(db, [make_round(db, [("police", "2")] * 3, municipality=c, questionnaire=q)
                  for c in picked])
    _cut(app, db)
    data = _api(app, client, db)
    cells = data["tables"]["province"]["cells"]
    assert not cells["Zeeland"]["shown"]
    hidden = [k for k, c in cells.items() if not c["shown"]]
    assert len(hidden) >= 2  # Zeeland cannot be worked out as the total minus the others
    for table in data["tables"].values():
        for cell in table["cells"].values():
            assert set(cell) <= {"shown", "municipalities", "overall", "dimensions"}
            assert cell.get("municipalities") in (None, "5-9", "10-19", "20-49", "50+")
    assert not ({"province", "peer_group"} <= set(data["tables"]["province"]["cells"]))


def test_export_linkage_finds_nothing(app, client, db, q):
    """Emmen is the only municipality of 100,000+ in Drenthe: its row must not be findable."""
    drenthe = municipalities_where(db, province="Drenthe")[:6]
    others = municipalities_where(db, peer_group="100k-plus")[:8]
    picked = list(dict.fromkeys(["GM0114", *drenthe, *others]))
    _approve(db, [make_round(db, [("police", "2")] * 3, municipality=c, questionnaire=q)
                  for c in picked])
    _cut(app, db)
    make_user(db)
    sign_in(client)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/ccv/export/benchmark.zip").data))
    header, *lines = archive.read("rows.csv").decode().splitlines()
    columns = header.split(",")
    rows = [dict(zip(columns, line.split(","), strict=False)) for line in lines]
    emmen = {"province": "Drenthe", "peer_group": "100k-plus", "version": f"{q.id}:{q.version}"}
    matching = [r for r in rows if all(r.get(k, v) == v for k, v in emmen.items())]
    assert len(matching) >= disclosure.THRESHOLD
    assert not ({"province", "peer_group"} <= set(columns))


def test_made_up_rounds_do_not_move_a_peer_median(app, client, db, q):
    """Four rounds a stranger starts in a peer group count nowhere until the CCV approves them."""
    group = municipalities_where(db, peer_group="20k-50k")
    _approve(db, [make_round(db, [("police", "2")] * 3, municipality=c, questionnaire=q)
                  for c in group[:6]])
    first = _cut(app, db)
    for code in group[6:10]:  # made up: consent given, never confirmed, never approved
        make_round(db, [("police", "4")] * 3, municipality=code, questionnaire=q)
    assert {u.municipality for u in releases.units(db)} == set(group[:6])
    with pytest.raises(disclosure.ReleaseRefused):
        _cut(app, db)
    own = make_round(db, [("police", "4")] * 3, municipality=group[6], questionnaire=q)
    page = client.get(f"/c/{own.coordinator}/uitkomsten").get_data(as_text=True)
    peer = first.content["tables"]["peer_group"]["cells"]["20k-50k"]
    assert peer["dimensions"][q.dimensions[0].id]["median"] == 50
    assert "5-9 gemeenten" in page


@pytest.mark.parametrize("submitted", [1, 2])
def test_provisional_results_never_show_one_or_two_respondents(client, db, q, submitted):
    handle = make_round(db, [("police", "3"), ("police", "1"), ("police", "0")],
                        submitted=submitted, closed=False, questionnaire=q)
    base = f"/c/{handle.coordinator}"
    for path in ("/uitkomsten", "/uitkomsten/rapport", "/uitkomsten/rapport.pdf",
                 "/uitkomsten.csv", "/uitkomsten.json", "/antwoorden.csv", "/antwoorden.json"):
        response = client.get(base + path)
        assert response.status_code == (409 if "." in path else 200), path
        assert response.mimetype == "text/html", path  # the explanation, not a download
        assert 'id="provisional-rule"' in response.get_data(as_text=True), path
    coordinator = client.get(base).get_data(as_text=True)
    assert f"{base}/uitkomsten" not in coordinator


def test_provisional_results_from_three_respondents(client, db, q):
    handle = make_round(db, [("police", "3")] * 3, submitted=3, closed=False, questionnaire=q)
    page = client.get(f"/c/{handle.coordinator}/uitkomsten").get_data(as_text=True)
    assert 'id="provisional"' in page


def test_a_strangers_coaching_request_shows_nothing_of_the_municipality(app, db, q):
    """A stranger asks coaching in a municipality's name: the municipality's own (not consented)
    round must not reach the CCV's coaching list, confirmed address or not."""
    real = make_round(db, [("police", "1")] * 3, municipality="GM0363", consent=False,
                      questionnaire=q)
    stranger = make_round(db, [], municipality="GM0363", consent=False, coaching=True,
                          email="iemand@example.org", closed=False, questionnaire=q)
    assert coaching_list.coaching_requests(db) == []  # not confirmed: not listed at all
    db.execute("UPDATE rounds SET email_confirmed_at = '2026-01-01' WHERE id = ?",
               [stranger.round_id])
    listed = coaching_list.coaching_requests(db)
    assert [r["id"] for r in listed] == [stranger.round_id]
    assert listed[0]["scores"] == {} and listed[0]["overall_score"] is None
    assert real.round_id not in {r["id"] for r in listed}
