"""Property-based fuzzing of every form and API endpoint with random and hostile input."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from factories import answer_values, item_ids, make_round, varied
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pages import csrf_of

ALLOWED_VALUES = {"0", "1", "2", "3", "4", "unknown", "na"}
HOSTILE = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "<svg/onload=alert(1)>",
    "javascript:alert(1)", "' OR 1=1 --", "'); DROP TABLE answers; --", "1; DELETE FROM rounds",
    "\x00", "\x00<script>x</script>", "\r\n\r\nSet-Cookie: x=y", "\u202e\u200b", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂",
    "%00", "../../etc/passwd", "{{7*7}}", "{% raw %}", "${jndi:ldap://x}", "-1", "1e309", "NaN",
    "99999999999999999999999", " ", "", "0x10", "3.5", "4 ", " 4", "unknown\x00", "NA", "Na",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),  # control characters
    st.text(min_size=900, max_size=1300),
    st.builds(lambda a, b: a + "<script>alert('" + b + "')</script>",
              st.text(max_size=10), st.text(max_size=10)),
)
value = st.one_of(hostile_text, st.sampled_from(sorted(ALLOWED_VALUES)))
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def form_of(known_keys: list[str]):
    """A form with some known fields (hostile values), unknown fields, and repeated fields."""
    known = st.dictionaries(st.sampled_from(known_keys), st.one_of(value, st.lists(value,
                                                                                   max_size=3)),
                            max_size=len(known_keys))
    unknown = st.dictionaries(st.one_of(st.sampled_from(["item-", "item-x", "comment-",
                                                         "context-", "__proto__", "csrf",
                                                         "item-connection-case-meeting[]"]),
                                        st.text(min_size=1, max_size=20)),
                              value, max_size=3)
    return st.tuples(known, unknown, st.booleans()).map(
        lambda t: {**t[0], **(t[1] if t[2] else {})})


def _assert_safe(response, sent: dict) -> None:
    assert response.status_code < 500, (response.status_code, sent)
    body = response.get_data(as_text=True)
    for v in _flat(sent):
        # What was sent with markup must never come back as markup.
        if re.search(r"<\s*(script|img|svg)", v, re.I):
            assert v not in body, f"unescaped input echoed: {v[:80]!r}"
    assert not re.search(r"<script>alert", body), "a script from input appears in the page"


def _flat(sent: dict) -> list[str]:
    out = []
    for k, v in sent.items():
        out.append(k)
        out += v if isinstance(v, list) else [v]
    return [x for x in out if isinstance(x, str)]


def _assert_answers_valid(app) -> None:
    items = item_ids(app)
    for _rid, item, stored in answer_values(app.config["DATABASE"]):
        assert stored in ALLOWED_VALUES, (item, stored)
        assert item in items, item


@pytest.fixture
def world(app):
    """A round with two respondents, a client and the session's CSRF token (public forms)."""
    handle = make_round(app, varied(2), submitted=0, closed=False)
    client = app.test_client()
    token = csrf_of(client.get("/start").get_data(as_text=True))
    return app, client, token, handle


def link_csrf(client, resume: str) -> str:
    """Respondent pages carry a CSRF token bound to their link, not the session's token."""
    return csrf_of(client.get(f"/r/{resume}/stap/1").get_data(as_text=True))


STEP_KEYS = ["item-connection-case-meeting", "item-connection-regierol", "item-manpower-fte",
             "comment-connection", "comment-manpower", "context-context-families",
             "context-context-partners", "context-context-municipality-role",
             "version", "action", "form_nonce"]


@FUZZ
@given(form=form_of(STEP_KEYS), number=st.integers(min_value=-2, max_value=9),
       autosave=st.booleans())
def test_fuzz_questionnaire_pages(world, form, number, autosave):
    app, client, _csrf, handle = world
    resume = handle.respondents[0][1]
    csrf = link_csrf(client, resume)
    data = {**form, "csrf_token": csrf}
    if autosave:
        url = f"/r/{resume}/autosave/{number}"
        r = client.post(url, data=data, headers={"X-CSRFToken": csrf})
    else:
        r = client.post(f"/r/{resume}/stap/{number}", data=data)
    _assert_safe(r, form)
    if r.status_code in (200, 302, 303) and number >= 1:
        review = client.get(f"/r/{resume}/stap/7")
        _assert_safe(review, form)
    _assert_answers_valid(app)


def test_stored_comment_with_script_is_shown_as_text(world):
    app, client, _csrf, handle = world
    resume = handle.respondents[0][1]
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    r = client.post(f"/r/{resume}/stap/2", data={"csrf_token": link_csrf(client, resume),
                                                 "comment-connection": evil, "action": "save"})
    assert r.status_code == 303
    for path in (f"/r/{resume}/stap/2", f"/r/{resume}/stap/7"):
        body = client.get(path).get_data(as_text=True)
        assert evil not in body and "&lt;script&gt;" in body, path


START_KEYS = ["municipality", "name", "year", "benchmark_consent", "coaching", "contact_email",
              "form_nonce"]


@FUZZ
@given(form=form_of(START_KEYS))
def test_fuzz_start(world, form):
    app, client, csrf, _handle = world
    r = client.post("/start", data={**form, "csrf_token": csrf})
    _assert_safe(r, form)
    if r.status_code == 303:
        _assert_safe(client.get(r.headers["Location"]), form)


@FUZZ
@given(form=form_of(["role_group", "form_nonce"]))
def test_fuzz_invitation(world, form):
    app, client, csrf, handle = world
    r = client.post(f"/i/{handle.invitation}", data={**form, "csrf_token": csrf})
    _assert_safe(r, form)
    roles = {row[0] for row in _roles(app)}
    from selfscan.core.roles import ROLE_GROUPS

    assert roles <= {g.id for g in ROLE_GROUPS}


def _roles(app):
    import sqlite3

    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        return conn.execute("SELECT role_group FROM respondents").fetchall()
    finally:
        conn.close()


@FUZZ
@given(form=form_of(["confirm"]), which=st.sampled_from(["sluiten", "nieuwe-uitnodiging",
                                                         "verwijderen"]))
def test_fuzz_coordinator_forms(world, form, which):
    app, client, csrf, handle = world
    if which == "verwijderen" and form.get("confirm") in ("verwijder", "delete"):
        form["confirm"] = "nee"
    r = client.post(f"/c/{handle.coordinator}/{which}", data={**form, "csrf_token": csrf})
    _assert_safe(r, form)
    assert r.status_code != 404 or which == "verwijderen"


@FUZZ
@given(path=st.text(max_size=60), query=st.dictionaries(st.text(max_size=10), hostile_text,
                                                         max_size=3))
def test_fuzz_any_get(world, path, query):
    _app, client, _csrf, handle = world
    for prefix in ("/", "/c/", "/i/", "/r/", "/taal/", "/api/v1/questionnaires/",
                   f"/c/{handle.coordinator}/"):
        # Quoted: '?' and '#' in the path would otherwise start a query or fragment.
        # A leading '//' would make the test client itself read the path as another host.
        r = client.get(prefix + quote(path, safe="/%").lstrip("/"), query_string=query)
        _assert_safe(r, {"path": path, **query})
        if r.status_code in (301, 302, 303, 307, 308):
            location = r.headers["Location"]
            assert not re.match(r"^(https?:)?//(?!localhost)", location), location


def test_double_slash_path_is_not_an_open_redirect(world):
    _app, client, _csrf, _handle = world
    for path in ("//evil.example/", "//evil.example/taal/en", "//evil.example/ccv", "///x"):
        r = client.get("/", environ_overrides={"PATH_INFO": path})
        assert r.status_code < 500
        assert "evil" not in r.headers.get("Location", ""), (path, r.headers.get("Location"))


@FUZZ
@given(body=st.one_of(st.text(max_size=200), st.sampled_from(HOSTILE),
                      st.builds(json.dumps, st.dictionaries(st.text(max_size=10), value))),
       content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data",
                                     "application/x-www-form-urlencoded; charset=latin-1"]))
# JSON that is valid but not an object: Flask-WTF turns a JSON body into form data.
@example(body="0", content_type="application/json")
@example(body="[1, 2]", content_type="application/json")
@example(body="null", content_type="application/json")
@example(body='"<script>alert(1)</script>"', content_type="application/json")
def test_fuzz_wrong_body_types(world, body, content_type):
    app, client, csrf, handle = world
    resume = handle.respondents[1][1]
    urls = [f"/r/{resume}/autosave/2", f"/r/{resume}/stap/3", "/start", f"/i/{handle.invitation}",
            "/ccv/inloggen"]
    own = link_csrf(client, resume)
    for url in urls:
        token = own if url.startswith("/r/") else csrf
        r = client.post(url, data=body.encode("utf-8", "surrogatepass"),
                        headers={"Content-Type": content_type, "X-CSRFToken": token})
        _assert_safe(r, {"url": url, "body": body})
    _assert_answers_valid(app)


@FUZZ
@given(form=form_of(["email", "password", "next", "remember"]))
def test_fuzz_ccv_sign_in(world, form):
    _app, client, csrf, _handle = world
    r = client.post("/ccv/inloggen", data={**form, "csrf_token": csrf})
    assert r.status_code != 404, "no sign-in page at /ccv/inloggen"
    _assert_safe(r, form)
    if r.status_code in (302, 303):
        assert not re.match(r"^(https?:)?//(?!localhost)", r.headers["Location"])
        assert "/ccv/inloggen" in r.headers["Location"] or "/ccv" in r.headers["Location"]


@FUZZ
@given(auth=st.one_of(hostile_text, st.builds(lambda t: "Bearer " + t, hostile_text)),
       query=st.dictionaries(st.sampled_from(["year", "peer_group", "dimension", "format"]),
                             hostile_text, max_size=3))
def test_fuzz_api(world, auth, query):
    _app, client, _csrf, _handle = world
    headers = {"Authorization": auth} if auth.isprintable() and "\n" not in auth else {}
    for url in ("/api/v1/questionnaires/current", "/api/v1/questionnaires/mpg/1",
                "/api/v1/benchmark", "/healthz"):
        r = client.get(url, query_string=query, headers=headers)
        assert r.status_code < 500, (url, r.status_code)
        if url == "/api/v1/benchmark":
            assert r.status_code == 401, "a random token opened the benchmark API"
