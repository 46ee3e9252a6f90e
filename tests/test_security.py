"""Security proof: headers on every kind of response, cookies, CSRF and secret links on every route."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import db_snapshot, make_round, make_user, varied
from hypothesis import given, settings
from hypothesis import strategies as st
from pages import csrf_of, version_of

from selfscan.core import tokens
from selfscan.storage import db as dbmod
from selfscan.storage import rounds, users

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
RANDOM_TOKEN = "Zq8xW3vN0pLm5RtY7uKc2HdJ9sAeFgBi"  # looks like a token, belongs to nothing


# --- helpers -----------------------------------------------------------------------------------


def _values_for(rule, handle) -> dict[str, object]:
    """URL values for a rule: the round's real tokens, so only the CSRF check can refuse."""
    out: dict[str, object] = {}
    for arg in rule.arguments:
        conv = type(rule._converters[arg]).__name__
        if arg == "token":
            if rule.rule.startswith("/c/"):
                out[arg] = handle.coordinator
            elif rule.rule.startswith("/i/"):
                out[arg] = handle.invitation
            elif rule.rule.startswith("/r/"):
                out[arg] = handle.respondents[0][1]
            else:
                out[arg] = RANDOM_TOKEN
        elif conv == "IntegerConverter":
            out[arg] = 2
        else:
            out[arg] = "x"
    return out


def _build(app, rule, values) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _routes(app, *, methods=None):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        chosen = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if methods is not None:
            chosen &= methods
        for method in sorted(chosen):
            yield rule, method


# A plausible honest body for every form, so a refusal comes from the missing token alone.
PLAUSIBLE_FORM = {
    "confirm": "y", "role_group": "police", "municipality": "GM0363", "year": "2025",
    "benchmark_consent": "y", "item-connection-case-meeting": "3", "action": "next",
    "email": "ccv@example.org", "password": "een-lang-wachtwoord",
}  # plus the current questionnaire version (see the test)


def _is_bearer_api(rule) -> bool:
    # Token-authenticated JSON endpoints carry no cookie, so CSRF does not apply to them.
    return rule.rule.startswith("/api/")


# --- CSRF on every state-changing route --------------------------------------------------------


@pytest.mark.parametrize("token_value", [None, "forged-token", "IjEyMyI.ZmFrZQ.c2lnbmF0dXJl"])
def test_every_state_changing_route_refuses_without_valid_csrf(app, token_value):
    assert app.config.get("WTF_CSRF_ENABLED", True) is not False
    handle = make_round(app, varied(2), submitted=1, closed=False)
    checked, failures = [], []
    for rule, method in _routes(app, methods=STATE_CHANGING):
        if _is_bearer_api(rule):
            continue
        url = _build(app, rule, _values_for(rule, handle))
        client = app.test_client()
        client.get("/start")  # a session exists, as for a real visitor
        before = db_snapshot(app.config["DATABASE"])
        q = app.extensions["selfscan.current"]  # the version the round's pages post
        data = {**PLAUSIBLE_FORM, "version": f"{q.id}:{q.version}"}
        if token_value is not None:
            data["csrf_token"] = token_value
        response = client.open(url, method=method, data=data)
        after = db_snapshot(app.config["DATABASE"])
        checked.append(f"{method} {rule.rule}")
        if response.status_code != 400:
            failures.append(f"{method} {rule.rule}: status {response.status_code}, expected 400")
        if before != after:
            changed = sorted(set(after) ^ set(before))[:3]
            failures.append(f"{method} {rule.rule}: database changed: {changed}")
    assert len(checked) >= 6, checked  # start, close, new invitation, delete, invitation, step, ...
    assert not failures, "\n".join(failures)


def test_csrf_header_of_another_session_is_refused(app):
    handle = make_round(app, varied(1), submitted=0, closed=False)
    other = app.test_client()
    foreign = csrf_of(other.get("/start").get_data(as_text=True))
    client = app.test_client()
    client.get("/start")
    before = db_snapshot(app.config["DATABASE"])
    r = client.post(f"/r/{handle.respondents[0][1]}/autosave/2",
                    data={"item-connection-case-meeting": "4"}, headers={"X-CSRFToken": foreign})
    assert r.status_code == 400
    assert db_snapshot(app.config["DATABASE"]) == before


def test_respondent_csrf_token_is_bound_to_its_own_link(app, db):
    handle = make_round(app, varied(2), submitted=0, closed=False)
    (first_id, first), (_second_id, second) = handle.respondents
    client = app.test_client()
    own = csrf_of(client.get(f"/r/{first}/stap/2").get_data(as_text=True))
    other = csrf_of(client.get(f"/r/{second}/stap/2").get_data(as_text=True))
    session_token = csrf_of(client.get("/start").get_data(as_text=True))
    assert own != other
    before = db_snapshot(app.config["DATABASE"])
    for wrong in (other, session_token, own.upper(), own[:-1], "é" * 64):
        r = client.post(f"/r/{first}/autosave/2", data={"item-connection-case-meeting": "4"},
                        headers={"X-CSRFToken": wrong})
        assert r.status_code == 400 and r.is_json, wrong
        r = client.post(f"/r/{first}/indienen", data={"csrf_token": wrong})
        assert r.status_code == 400, wrong
    assert db_snapshot(app.config["DATABASE"]) == before
    ok = client.post(f"/r/{first}/autosave/2", data={"item-connection-case-meeting": "4"},
                     headers={"X-CSRFToken": own})
    assert ok.status_code == 200
    assert rounds.answers_of(db, first_id)["connection-case-meeting"] == "4"


@settings(max_examples=200, deadline=None)
@given(link=st.text(min_size=1, max_size=40), sent=st.one_of(st.none(), st.text(max_size=80)))
def test_link_csrf_token_accepts_only_its_own_value(link, sent):
    key = "a-secret-key"
    token = tokens.link_csrf_token(key, link)
    assert tokens.link_csrf_valid(key, link, token)
    assert not tokens.link_csrf_valid("another-key", link, token)
    assert tokens.link_csrf_valid(key, link, sent) == (sent == token)  # never raises either
    assert tokens.link_csrf_token(key, link + "x") != token


def test_a_respondent_needs_no_cookie_and_gets_none(app, db):
    """Respondent pages set no cookie: answering works in a browser that refuses them all."""
    handle = make_round(app, varied(1), submitted=0, closed=False)
    rid, resume = handle.respondents[0]
    client = app.test_client(use_cookies=False)
    pages = [client.get(f"/r/{resume}"), client.get(f"/r/{resume}/stap/1"),
             client.get(f"/r/{resume}/stap/2"), client.get(f"/r/{resume}/stap/7")]
    csrf = csrf_of(pages[2].get_data(as_text=True))
    pages.append(client.post(f"/r/{resume}/autosave/2", data={"item-connection-regierol": "1"},
                             headers={"X-CSRFToken": csrf}))
    pages.append(client.post(f"/r/{resume}/stap/2", data={
        "csrf_token": csrf, "version": version_of(pages[2].get_data(as_text=True)),
        "item-connection-case-meeting": "0"}))
    pages.append(client.post(f"/r/{resume}/indienen", data={"csrf_token": csrf}))
    assert [r.status_code for r in pages] == [303, 200, 200, 200, 200, 303, 303]
    assert all("Set-Cookie" not in r.headers for r in pages)
    answers = rounds.answers_of(db, rid)
    status = db.execute("SELECT status FROM respondents WHERE id = ?", [rid]).fetchone()[0]
    assert answers["connection-regierol"] == "1" and answers["connection-case-meeting"] == "0"
    assert status == "submitted"


# --- secret links and sign-in ------------------------------------------------------------------


def test_every_secret_link_route_refuses_an_unknown_token(app):
    # Real data exists; a random token must still find nothing.
    make_round(app, varied(1), submitted=0, closed=False)
    client = app.test_client()
    csrf = csrf_of(client.get("/start").get_data(as_text=True))
    checked, failures = [], []
    for rule, method in _routes(app):
        if not re.match(r"^/(c|i|r)/<", rule.rule):
            continue
        values: dict[str, object] = {}
        for arg in rule.arguments:
            values[arg] = RANDOM_TOKEN if arg == "token" else 2
        for token in (RANDOM_TOKEN, "kort", "x" * 200, "../../etc/passwd"):
            values["token"] = token
            url = _build(app, rule, values)
            response = client.open(url, method=method, data={"csrf_token": csrf, "confirm": "y"},
                                   headers={"X-CSRFToken": csrf})
            checked.append(f"{method} {rule.rule}")
            if response.status_code != 404:
                failures.append(f"{method} {url}: {response.status_code}, expected 404")
    assert {"GET /c/<token>", "GET /i/<token>", "GET /r/<token>/stap/<int:number>"} <= set(checked)
    assert not failures, "\n".join(failures)


def test_every_signed_in_route_refuses_without_sign_in(app):
    client = app.test_client()
    csrf = csrf_of(client.get("/start").get_data(as_text=True))
    # The dashboard by its address first: a renamed route fails here instead of leaving no rule
    # under /ccv to check below.
    dashboard = client.get("/ccv")
    assert dashboard.status_code == 302 and "/ccv/inloggen" in dashboard.headers["Location"]
    failures = []
    for rule, method in _routes(app):
        if not rule.rule.startswith("/ccv") or rule.endpoint in ("ccv.login", "ccv.logout"):
            continue
        values = {a: (1 if type(rule._converters[a]).__name__ == "IntegerConverter" else "x")
                  for a in rule.arguments}
        url = _build(app, rule, values)
        response = client.open(url, method=method, data={"csrf_token": csrf},
                               headers={"X-CSRFToken": csrf})
        location = response.headers.get("Location", "")
        ok = response.status_code in (401, 403, 404) or (
            response.status_code in (302, 303) and "/ccv/inloggen" in location)
        if not ok:
            failures.append(f"{method} {rule.rule}: {response.status_code} {location}")
    assert not failures, "\n".join(failures)


def test_benchmark_api_refuses_without_a_valid_token(app):
    rules = [r for r, _m in _routes(app) if r.rule.startswith("/api/v1/benchmark")]
    # The API by its address as well: if it moved, this gets a 404 instead of the 401.
    urls = {"/api/v1/benchmark"} | {_build(app, rule, {a: "x" for a in rule.arguments})
                                    for rule in rules}
    client = app.test_client()
    for url in sorted(urls):
        for headers in ({}, {"Authorization": "Bearer " + RANDOM_TOKEN},
                        {"Authorization": "Basic Y2N2OnBhc3M="}, {"Authorization": "Bearer"}):
            r = client.get(url, headers=headers)
            assert r.status_code == 401, (url, headers, r.status_code)
            assert r.is_json


def test_api_token_works_where_it_should(app):
    db = dbmod.connect(app.config["DATABASE"])
    user = make_user(db, "api@ccv.example", "een-heel-lang-wachtwoord")
    token = users.create_api_token(db, user.id, "test")
    db.conn.close()
    r = app.test_client().get("/api/v1/benchmark", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


# --- headers on every kind of response ---------------------------------------------------------


def _response_kinds(app):
    handle = make_round(app, varied(1), submitted=0, closed=False)
    client = app.test_client()
    resume = handle.respondents[0][1]
    return client, {
        "home": ("GET", "/"),
        "start": ("GET", "/start"),
        "coordinator": ("GET", f"/c/{handle.coordinator}"),
        "step": ("GET", f"/r/{resume}/stap/2"),
        "redirect": ("GET", "/taal/en?next=/"),
        "not found": ("GET", "/bestaat-niet"),
        "method not allowed": ("GET", f"/r/{resume}/indienen"),
        "csrf error": ("POST", f"/c/{handle.coordinator}/sluiten"),
        "json": ("GET", "/healthz"),
        "api": ("GET", "/api/v1/questionnaires/current"),
        "api not found": ("GET", "/api/v1/questionnaires/mpg/99"),
        "static css": ("GET", "/static/css/selfscan.css"),
        "static js": ("GET", "/static/js/selfscan.js"),
    }


def _check_csp(csp: str) -> list[str]:
    problems = []
    directives = {d.strip().split()[0]: d.strip().split()[1:] for d in csp.split(";") if d.strip()}
    script = directives.get("script-src", directives.get("default-src"))
    if script is None:
        problems.append("no script-src or default-src")
    else:
        if "'unsafe-inline'" in script or "'unsafe-eval'" in script:
            problems.append(f"script-src allows inline/eval: {script}")
        for source in script:
            if source not in ("'self'", "'none'") and not source.startswith(("'nonce-", "'sha")):
                problems.append(f"script-src has a third-party source {source}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {directives.get('frame-ancestors')}")
    for name, sources in directives.items():
        for source in sources:
            if re.match(r"^(https?:|wss?:|\*|//)", source) or "." in source.strip("'"):
                problems.append(f"{name} allows another host: {source}")
    return problems


@pytest.mark.parametrize("base_url", ["http://localhost", "https://localhost"])
def test_security_headers_on_every_kind_of_response(app, base_url):
    client, kinds = _response_kinds(app)
    failures = []
    for kind, (method, path) in kinds.items():
        r = client.open(path, method=method, base_url=base_url)
        h = r.headers
        where = f"{kind} ({method} {path.split('?')[0][:30]} -> {r.status_code})"
        if r.status_code >= 500:
            failures.append(f"{where}: server error")
        csp = h.get("Content-Security-Policy")
        if not csp:
            failures.append(f"{where}: no Content-Security-Policy")
        else:
            failures += [f"{where}: {p}" for p in _check_csp(csp)]
        if h.get("X-Content-Type-Options") != "nosniff":
            failures.append(f"{where}: X-Content-Type-Options is {h.get('X-Content-Type-Options')}")
        if h.get("Referrer-Policy") != "no-referrer":
            failures.append(f"{where}: Referrer-Policy is {h.get('Referrer-Policy')}")
        hsts = h.get("Strict-Transport-Security", "")
        # WhiteNoise answers static files without seeing the scheme; the proxy adds HSTS there.
        if base_url.startswith("https") and "max-age=" not in hsts and "static" not in kind:
            failures.append(f"{where}: no HSTS over HTTPS")
        if base_url.startswith("http:") and hsts:
            failures.append(f"{where}: HSTS over plain HTTP")
    assert not failures, "\n".join(failures)


def test_pages_behind_secret_links_are_not_cached(app):
    handle = make_round(app, varied(1), submitted=0, closed=False)
    client = app.test_client()
    for path in (f"/c/{handle.coordinator}", f"/i/{handle.invitation}",
                 f"/r/{handle.respondents[0][1]}/stap/1"):
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path


def _session_cookie_header(app, base_url="http://localhost") -> str:
    client = app.test_client()
    r = client.get("/start", base_url=base_url)
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    cookies = [c for c in r.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert cookies, "GET /start sets no session cookie (the CSRF token lives in the session)"
    return cookies[0]


def test_session_cookie_is_httponly_and_lax(app):
    cookie = _session_cookie_header(app)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over http must keep working


def test_session_cookie_is_secure_in_production(new_app):
    app = new_app("inst", SECRET_KEY="s", SECURE_COOKIES=True)
    cookie = _session_cookie_header(app, "https://localhost")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    r = app.test_client().get("/taal/en", base_url="https://localhost")
    lang_cookie = r.headers.get("Set-Cookie", "")
    assert "Secure" in lang_cookie and "SameSite=Lax" in lang_cookie


def test_language_switch_is_not_an_open_redirect(client):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        r = client.get("/taal/en", query_string={"next": target})
        location = r.headers["Location"]
        assert "evil" not in location.split("?")[0].replace("/\\evil", "") or \
            location.startswith("/"), location
        assert not location.startswith(("//", "http", "javascript")), location


# --- no third-party hosts ----------------------------------------------------------------------


class _Resources(HTMLParser):
    """Collect the addresses a page loads by itself (not links a person may follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "source", "audio", "video", "iframe", "embed", "track"):
            for key in ("src", "srcset", "poster"):
                if a.get(key):
                    self.urls.append(a[key])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])
        if a.get("style"):
            self.urls += re.findall(r"url\(([^)]+)\)", a["style"])


def _foreign(url: str) -> bool:
    url = url.strip().strip("'\"")
    return bool(re.match(r"^(https?:)?//", url)) and not re.match(
        r"^(https?:)?//localhost(/|:|$)", url)


def _pages(app):
    handle = make_round(app, varied(3), closed=False)
    open_round = make_round(app, varied(1), submitted=0, closed=False)
    resume = open_round.respondents[0][1]
    pages = ["/", "/privacy", "/toegankelijkheid", "/start", "/bestaat-niet",
             f"/c/{handle.coordinator}", f"/i/{open_round.invitation}",
             f"/r/{resume}/opgeslagen", f"/r/{handle.respondents[0][1]}/klaar"]
    pages += [f"/r/{resume}/stap/{n}" for n in range(1, 8)]
    pages += [f"/c/{handle.coordinator}/uitkomsten", "/ccv/inloggen"]
    return pages


def test_no_page_loads_anything_from_another_host(app):
    client = app.test_client()
    failures = []
    css_files = set()
    for path in _pages(app):
        for lang in ("nl", "en"):
            client.set_cookie("selfscan_lang", lang)
            r = client.get(path)
            assert r.status_code < 500, path
            parser = _Resources()
            html = r.get_data(as_text=True)
            parser.feed(html)
            failures += [f"{path} ({lang}): {u}" for u in parser.urls if _foreign(u)]
            css_files.update(u for u in parser.urls if u.endswith(".css"))
            failures += [f"{path} inline <style> url: {u}" for u in
                         re.findall(r"url\(([^)]+)\)", " ".join(
                             re.findall(r"<style[^>]*>(.*?)</style>", html, re.S))) if _foreign(u)]
    for css in css_files:
        text = client.get(css).get_data(as_text=True)
        failures += [f"{css}: {u}" for u in re.findall(r"url\(([^)]+)\)", text) if _foreign(u)]
        failures += [f"{css}: @import {u}" for u in re.findall(r"@import\s+([^;]+);", text)
                     if _foreign(u.replace("url(", "").rstrip(")"))]
    assert css_files, "no stylesheet found: the page parser is broken"
    assert not failures, "\n".join(failures)


def test_no_inline_scripts_or_event_handlers(app):
    client = app.test_client()
    failures = []
    for path in _pages(app):
        html = client.get(path).get_data(as_text=True)
        for m in re.finditer(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", html, re.S):
            attrs, body = m.group("attrs"), m.group("body").strip()
            if body and 'type="application/json"' not in attrs:
                failures.append(f"{path}: inline script {body[:60]!r}")
        for m in re.finditer(r"<[a-z]+[^>]*\son[a-z]+\s*=", html, re.I):
            failures.append(f"{path}: event handler attribute {m.group(0)[:60]!r}")
        if re.search(r"""href\s*=\s*["']\s*javascript:""", html, re.I):
            failures.append(f"{path}: javascript: link")
    assert not failures, "\n".join(failures)


def test_static_vendor_bundle_is_local():
    static = Path(__file__).resolve().parent.parent / "static"
    manifest = static / "vendor" / "manifest.json"
    if manifest.exists():
        import json

        for logical, name in json.loads(manifest.read_text()).items():
            assert (static / name).exists(), f"manifest entry {logical} -> {name} is missing"
