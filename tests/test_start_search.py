"""Starting a round: finding a municipality without accents or by CBS code, hints beside their own
field, and error messages that name their field (beside the field and in the summary)."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from factories import connection, db_snapshot
from journey import start_round
from pages import csrf_of, nonce_of, text_of

from selfscan.storage import municipalities, rounds


def _post(client, headers=None, **fields):
    html = client.get("/start", headers=headers or {}).get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "form_nonce": nonce_of(html),
            "year": str(date.today().year)}
    data.update(fields)
    return client.post("/start", data=data, headers=headers or {})


# --- the register: folding and finding ---------------------------------------------------------


@pytest.mark.parametrize("typed, folded", [
    ("Súdwest-Fryslân", "sudwest-fryslan"),
    ("  SUDWEST-fryslan ", "sudwest-fryslan"),
    ("'s-Hertogenbosch", "s-hertogenbosch"),
    ("\u2019s-Gravenhage", "s-gravenhage"),
    ("De  Fryske   Marren", "de fryske marren"),
])
def test_fold_ignores_accents_case_apostrophes_and_spacing(typed, folded):
    assert municipalities.fold(typed) == folded


@pytest.mark.parametrize("typed, code", [
    ("GM1900", "GM1900"), ("gm1900", "GM1900"), ("1900", "GM1900"), (" 363 ", "GM0363"),
    ("Amsterdam", None), ("GM", None), ("12345", None), ("", None),
])
def test_code_of_reads_cbs_codes_with_or_without_gm(typed, code):
    assert municipalities.code_of(typed) == code


@pytest.mark.parametrize("typed", ["sudwest-fryslan", "SÚDWEST-FRYSLÂN", "GM1900", "1900"])
def test_find_municipality_by_name_without_accents_or_by_code(app, typed):
    with connection(app) as db:
        found = municipalities.find_municipality(db, typed)
    assert found is not None and found["code"] == "GM1900"
    assert found["name"] == "Súdwest-Fryslân"


@pytest.mark.parametrize("typed", ["", "   ", "sudwest", "Atlantis", "GM9999", "0900"])
def test_find_municipality_finds_nothing_for_a_partial_or_unknown_value(app, typed):
    with connection(app) as db:
        assert municipalities.find_municipality(db, typed) is None


def test_the_apostrophe_name_is_found_with_and_without_its_apostrophe(app):
    with connection(app) as db:
        for typed in ("'s-Hertogenbosch", "s-hertogenbosch", "GM0796", "796"):
            found = municipalities.find_municipality(db, typed)
            assert found is not None and found["code"] == "GM0796", typed


# --- the form on the server -----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["sudwest-fryslan", "GM1900", "1900"])
def test_a_typed_name_or_code_starts_the_round_for_that_municipality(app, client, typed):
    coordinator = start_round(client, municipality=typed)
    with connection(app) as db:
        r = rounds.round_by_coordinator(db, coordinator.rsplit("/", 1)[1])
    assert r is not None and r["municipality_code"] == "GM1900"


def test_an_unknown_typed_municipality_names_the_field_and_keeps_the_input(app, client):
    before = db_snapshot(app.config["DATABASE"])
    response = _post(client, municipality="Atlantis", name="Nulmeting")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    message = ("Gemeente: we vinden geen gemeente met de naam of code &#39;Atlantis&#39;. "
               "Kies uw gemeente uit de lijst.")
    summary = re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0)
    assert f'<a href="#municipality">{message}</a>' in summary
    assert f'<p class="field-error" id="municipality-error">{message}</p>' in body
    assert 'aria-describedby="municipality-hint municipality-error"' in body
    assert 'value="Nulmeting"' in body  # nothing typed is lost
    assert db_snapshot(app.config["DATABASE"]) == before


def test_every_error_message_names_its_field(client):
    response = _post(client, municipality="", year="1999", name="x" * 121, coaching="y",
                     contact_email="")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    summary = text_of(re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0))
    for field_id, label in (("municipality", "Gemeente"), ("name", "Naam van de ronde"),
                            ("year", "Jaar"), ("contact_email", "Werk-e-mailadres")):
        error = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', body)
        assert error is not None, field_id
        assert error.group(1).startswith(label + ": "), error.group(1)
        assert unescape(error.group(1)) in summary, field_id
        assert f'href="#{field_id}"' in body
        control = re.search(rf'<(?:input|select)[^>]*\bid="{field_id}"[^>]*>', body, re.S).group(0)
        assert f"{field_id}-error" in control and 'aria-invalid="true"' in control, field_id


def test_a_tampered_year_gets_a_dutch_message_not_a_500(client):
    response = _post(client, municipality="GM0363", year="twintig")
    assert response.status_code == 400
    assert "Jaar: kies een jaar uit de lijst." in response.get_data(as_text=True)


def test_messages_name_their_field_in_english_too(client):
    en = {"Accept-Language": "en"}
    response = _post(client, headers=en, municipality="Atlantis", year="1999")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Municipality: we cannot find a municipality with the name or code &#39;Atlantis&#39;" \
        in body
    assert "Year: choose a year from the list." in body


def test_each_hint_sits_directly_below_its_own_label_and_is_connected(client):
    body = client.get("/start").get_data(as_text=True)
    for field_id in ("municipality", "name", "year", "contact_email"):
        label = re.search(rf'<label for="{field_id}">[^<]*</label>\s*<p class="hint" '
                          rf'id="{field_id}-hint">', body)
        assert label is not None, f"{field_id}: the hint does not follow its label"
        control = re.search(rf'<(?:input|select)[^>]*\bid="{field_id}"[^>]*>', body, re.S).group(0)
        assert f'aria-describedby="{field_id}-hint"' in control, field_id
    # The search box is built by the script; its label and hint come from the page, translated.
    select = re.search(r'<select id="municipality".*?>', body, re.S).group(0)
    assert 'data-filter-label="Zoek uw gemeente"' in select
    assert "CBS-code" in select


def test_the_start_page_tells_invited_partners_not_to_start_a_round(client):
    text = text_of(client.get("/start").get_data(as_text=True))
    assert "Hebt u een uitnodigingslink gekregen? Start dan geen ronde" in text


def test_the_address_form_names_its_field_in_dutch(app, client):
    # The form that sends the confirmation link again: the same messages as the start page,
    # never WTForms' English defaults.
    from factories import make_round

    token = make_round(app, [("police", "2")] * 3).coordinator
    page = client.get(f"/c/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for value, expected in (("", "Werk-e-mailadres: vul uw werk-e-mailadres in."),
                            ("a" * 250 + "@x.nl", "Werk-e-mailadres: gebruik hoogstens 254 tekens.")):
        response = client.post(f"/c/{token}/e-mailadres",
                               data={"csrf_token": csrf, "contact_email": value})
        assert response.status_code in (200, 400)
        text = response.get_data(as_text=True)
        assert expected in text, text[:2000]
        assert "Field must be" not in text
