"""Peer-group and national medians: which rounds count, and the threshold on every point."""

from __future__ import annotations

from factories import current, make_round, municipalities_where

from selfscan.storage import peers
from selfscan.web import helpers as web


def _bench(app, code="GM0363", peer_group="100k-plus"):
    with app.app_context():
        return peers.comparison_for(
            web.get_db(), questionnaire_id="mpg", municipality_code=code, peer_group=peer_group,
            dimension_ids=[d.id for d in current(app).dimensions])


def test_no_line_below_five_municipalities(app):
    for code in municipalities_where(app, "100k-plus", exclude="GM0363")[:4]:
        make_round(app, [("police", "2")], municipality=code)
    bench = _bench(app)
    assert bench.peer.municipalities == 4 and not bench.peer.shown
    assert bench.national.municipalities == 4 and not bench.national.shown
    assert set(bench.national.medians.values()) == {None}


def test_lines_with_five_municipalities(app):
    levels = ["0", "1", "2", "3", "4"]
    peers_of_amsterdam = municipalities_where(app, "100k-plus", exclude="GM0363")[:5]
    for code, level in zip(peers_of_amsterdam, levels, strict=True):
        make_round(app, [("police", level)], municipality=code)
    for code in municipalities_where(app, "tot-20k", exclude="GM0363")[:2]:
        make_round(app, [("police", "4")], municipality=code)
    bench = _bench(app)
    assert bench.peer.shown and bench.peer.municipalities == 5
    assert bench.peer.medians["manpower"] == 50.0  # median of 0, 25, 50, 75, 100
    assert bench.national.shown and bench.national.municipalities == 7
    assert bench.national.medians["manpower"] == 75.0  # ... plus 100, 100


def test_only_the_latest_closed_consented_round_counts(app):
    codes = municipalities_where(app, "100k-plus", exclude="GM0363")[:5]
    for code in codes:
        make_round(app, [("police", "0")], municipality=code)
        make_round(app, [("police", "4")], municipality=code)  # later: replaces the first
        make_round(app, [("police", "1")], municipality=code, closed=False)  # open: ignored
    make_round(app, [("police", "0")], municipality=codes[0], consent=False)  # no consent: ignored
    bench = _bench(app)
    assert bench.peer.municipalities == 5
    assert bench.peer.medians["governance"] == 100.0


def test_a_point_needs_five_municipalities_too(app):
    q = current(app)
    unknown = {i.id: "unknown" for i in q.dimension("governance").items}
    codes = municipalities_where(app, exclude="GM0363")[:5]
    for n, code in enumerate(codes):
        answers = {"*": "2", **(unknown if n == 0 else {})}
        make_round(app, [("police", answers)], municipality=code)
    bench = _bench(app)
    assert bench.national.shown
    assert bench.national.medians["manpower"] == 50.0
    assert bench.national.medians["governance"] is None  # only four scored it


def test_synthetic_rounds_are_kept_apart(app):
    for code in municipalities_where(app, "100k-plus", exclude="GM0363")[:5]:
        make_round(app, [("police", "2")], municipality=code, year=2025, synthetic=True)
    assert _bench(app).national.municipalities == 0
    with app.app_context():
        synthetic = peers.comparison_for(
            web.get_db(), questionnaire_id="mpg", municipality_code="GM0363",
            peer_group="100k-plus", dimension_ids=["manpower"], synthetic=True)
    assert synthetic.national.municipalities == 5 and synthetic.national.shown
