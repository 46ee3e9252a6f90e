"""Download names: an ASCII `filename=` and, for names with accents, the exact UTF-8 name as
`filename*` (RFC 6266 / RFC 5987), so that no browser falls back to the URL's "rapport.pdf"."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from factories import connection, make_round, varied
from werkzeug.http import parse_options_header

from selfscan.storage import readonly_links, rounds
from selfscan.web import helpers

SUDWEST = "GM1900"  # Súdwest-Fryslân
DEN_BOSCH = "GM0796"  # 's-Hertogenbosch


def parts(header: str) -> tuple[str | None, str | None]:
    """(filename, filename*) of a Content-Disposition value, filename* decoded."""
    assert header.startswith("attachment;"), header
    plain = re.search(r'(?:^|;)\s*filename="([^"]*)"', header)
    star = re.search(r"(?:^|;)\s*filename\*=UTF-8''([^;\s]*)", header)
    return (plain.group(1) if plain else None, unquote(star.group(1)) if star else None)


def name_a_client_sees(header: str) -> str | None:
    """The name an independent parser (werkzeug's) reads. RFC 6266 puts `filename` before
    `filename*`, so that parsers that keep the last one, like this one, pick the exact name."""
    disposition, options = parse_options_header(header)
    assert disposition == "attachment"
    return options.get("filename")


# --- the header ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, fallback", [
    ("zelfscan-súdwest-fryslân-2026-ronde-3.pdf", "zelfscan-sudwest-fryslan-2026-ronde-3.pdf"),
    ("Súdwest-Fryslân.csv", "Sudwest-Fryslan.csv"),
    ("zelfscan-noardeast-fryslân-2026-ronde-1-antwoorden-met-toelichting.csv",
     "zelfscan-noardeast-fryslan-2026-ronde-1-antwoorden-met-toelichting.csv"),
    ("Łódź.pdf", "odz.pdf"),  # Ł has no decomposition: dropped from the fallback only
    ("日本.pdf", "download.pdf"),
])
def test_a_name_with_accents_gets_an_ascii_fallback_and_the_exact_name(name, fallback):
    header = helpers.content_disposition(name)
    plain, star = parts(header)
    assert plain is not None and plain.lower() == fallback.lower()
    assert plain.isascii()
    assert star == name
    assert name_a_client_sees(header) == name


def test_a_plain_ascii_name_is_sent_as_it_is():
    header = helpers.content_disposition("zelfscan-amsterdam-2026-ronde-1.pdf")
    assert header == 'attachment; filename="zelfscan-amsterdam-2026-ronde-1.pdf"'


@pytest.mark.parametrize("name", ['a"b.csv', "a\\b.csv", "a\r\nX-Evil: 1.csv", "a\x00b.csv",
                                  "../../etc/passwd", "50%41.csv", "a;b.csv"])
def test_quotes_backslashes_control_characters_and_separators_never_reach_the_header(name):
    header = helpers.content_disposition(name)
    plain, star = parts(header)
    assert plain is not None
    for bad in ('"', "\\", "\r", "\n", "\x00", "/", "%", ";"):
        assert bad not in plain, (name, plain)
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    if star is not None:
        assert not set(star) & {'"', "\\", "\r", "\n", "\x00", "/"}


# --- through the application ---------------------------------------------------------------------


ROUND_DOWNLOADS = {
    "/uitkomsten/rapport.pdf": ".pdf",
    "/uitkomsten.csv": "-uitkomsten.csv",
    "/uitkomsten.json": "-uitkomsten.json",
    "/uitkomsten.xlsx": "-uitkomsten.xlsx",
    "/actieplan.csv": "-actieplan.csv",
    "/actieplan.json": "-actieplan.json",
    "/antwoorden.csv": "-antwoorden.csv",
    "/antwoorden.json": "-antwoorden.json",
    "/antwoorden.csv?toelichting=1": "-antwoorden-met-toelichting.csv",
    "/antwoorden.json?toelichting=1": "-antwoorden-met-toelichting.json",
}


@pytest.fixture
def sudwest(app):
    return make_round(app, varied(4), municipality=SUDWEST)


@pytest.mark.parametrize("path, suffix", ROUND_DOWNLOADS.items())
def test_every_download_of_a_municipality_with_accents_keeps_its_name(app, client, sudwest,
                                                                      path, suffix):
    response = client.get(f"/c/{sudwest.coordinator}{path}")
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    plain, star = parts(header)
    stem = f"zelfscan-{{}}-{sudwest_year(app, sudwest)}-ronde-{sudwest.round_id}{suffix}"
    assert star == stem.format("súdwest-fryslân")
    assert plain == stem.format("sudwest-fryslan")
    assert name_a_client_sees(header) == star
    assert "rapport.pdf" not in header


def sudwest_year(app, handle) -> int:
    with connection(app) as db:
        return int(rounds.round_by_id(db, handle.round_id)["year"])


def test_the_export_with_comments_has_its_own_name(app, client, sudwest):
    base = f"/c/{sudwest.coordinator}/antwoorden.csv"
    without = parts(client.get(base).headers["Content-Disposition"])[1]
    with_comments = parts(client.get(base + "?toelichting=1").headers["Content-Disposition"])[1]
    assert without is not None and with_comments is not None
    assert without != with_comments
    assert with_comments.endswith("-antwoorden-met-toelichting.csv")
    assert not without.endswith("-met-toelichting.csv")


def test_a_name_with_an_apostrophe_downloads_under_its_name(app, client):
    handle = make_round(app, varied(4), municipality=DEN_BOSCH)
    header = client.get(f"/c/{handle.coordinator}/uitkomsten/rapport.pdf").headers[
        "Content-Disposition"]
    plain, _star = parts(header)
    assert plain is not None and plain.startswith("zelfscan-s-hertogenbosch-")
    assert plain.endswith(f"-ronde-{handle.round_id}.pdf")
    assert "'" not in plain and '"' not in plain
    assert name_a_client_sees(header) == plain


def test_the_read_only_link_pdf_keeps_the_accented_name(app, client, sudwest):
    with connection(app) as db:
        token = readonly_links.create_or_replace(db, sudwest.round_id)
    response = client.get(f"/l/{token}/rapport.pdf")
    assert response.status_code == 200
    _plain, star = parts(response.headers["Content-Disposition"])
    assert star is not None and star.startswith("zelfscan-súdwest-fryslân-")
    assert star.endswith(".pdf")
