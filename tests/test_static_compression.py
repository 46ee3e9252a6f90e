"""Compressed static files: served to browsers that accept them, and never once they are stale."""

from __future__ import annotations

import gzip
import logging
import os

import brotli
import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from selfscan import config as cfg
from selfscan.web import headers
from selfscan.web import static_compression as sc
from selfscan.web.static_compression import FreshWhiteNoise, build, is_stale, stale_copies

BROWSER = {"Accept-Encoding": "gzip, br"}
CSS = "body { color: #123456; }\n" * 400  # big enough that compressing it pays


def fallback(_environ, start_response):
    return Response("not a static file", status=404)(_environ, start_response)


def serve(root, *, autorefresh: bool = False) -> Client:
    """The static files under `root` as the app serves them (a new app start)."""
    return Client(FreshWhiteNoise(fallback, root=str(root), prefix="static/", autorefresh=autorefresh,
                                  add_headers_function=headers.static_headers))


def decoded(response) -> bytes:
    body = response.get_data()
    coding = response.headers.get("Content-Encoding")
    if coding == "br":
        return brotli.decompress(body)
    if coding == "gzip":
        return gzip.decompress(body)
    assert coding is None, coding
    return body


@pytest.fixture
def static(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_text(CSS, encoding="utf-8")
    (root / "js").mkdir()
    (root / "js" / "site.js").write_text("console.log('selfscan');\n" * 300, encoding="utf-8")
    build(root)
    return root


def edit(path, text: str) -> None:
    """Change a source after install, as an editor or a `git pull` does (a later mtime)."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 5_000_000_000, before + 5_000_000_000))


def test_build_writes_both_copies_and_is_incremental(static):
    assert (static / "css" / "site.css.br").is_file()
    assert (static / "css" / "site.css.gz").is_file()
    assert gzip.decompress((static / "css" / "site.css.gz").read_bytes()).decode() == CSS
    assert build(static) == []  # nothing changed, nothing rebuilt


@pytest.mark.parametrize("autorefresh", [False, True])
def test_browser_gets_brotli_equal_to_source(static, autorefresh):
    client = serve(static, autorefresh=autorefresh)
    for url, source in (("/static/css/site.css", "css/site.css"), ("/static/js/site.js", "js/site.js")):
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert int(response.headers["Content-Length"]) < (static / source).stat().st_size / 3
        assert decoded(response) == (static / source).read_bytes()
    gz = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and decoded(gz) == CSS.encode()
    plain = client.get("/static/css/site.css")
    assert "Content-Encoding" not in plain.headers and plain.get_data() == CSS.encode()


@pytest.mark.parametrize("autorefresh", [False, True])
def test_a_stale_copy_is_never_served(static, autorefresh, caplog):
    css = static / "css" / "site.css"
    new = "body { color: #abcdef; }\n" * 400
    edit(css, new)
    assert stale_copies(static) == [static / "css" / "site.css.br", static / "css" / "site.css.gz"]
    with caplog.at_level(logging.WARNING, logger="selfscan.web.static_compression"):
        client = serve(static, autorefresh=autorefresh)
        for accept in ("gzip, br", "br", "gzip"):
            response = client.get("/static/css/site.css", headers={"Accept-Encoding": accept})
            assert response.status_code == 200
            assert decoded(response) == new.encode(), accept
    assert "site.css.br" in caplog.text and "make install" in caplog.text
    # The other file's copies are still current and still used.
    assert client.get("/static/js/site.js", headers=BROWSER).headers["Content-Encoding"] == "br"
    # Rebuilding (make install) brings compression back, with the new content.
    build(static)
    assert stale_copies(static) == []
    response = serve(static).get("/static/css/site.css", headers=BROWSER)
    assert response.headers["Content-Encoding"] == "br" and decoded(response) == new.encode()


def test_a_source_with_its_old_time_but_another_size_is_caught(static):
    """A restored or copied source can carry the copy's time: the gzip size gives it away."""
    css = static / "css" / "site.css"
    stat = css.stat()
    css.write_text(CSS + "p { margin: 0; }\n", encoding="utf-8")
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert is_stale(str(css), str(css) + ".gz")
    response = serve(static).get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert decoded(response) == css.read_bytes()


def test_a_copy_older_than_its_source_is_stale(static):
    css = static / "css" / "site.css"
    assert not is_stale(str(css), str(css) + ".br")
    edit(css, CSS)  # same content, later time: cannot be told apart cheaply, so not trusted
    assert is_stale(str(css), str(css) + ".br")
    assert not is_stale(str(css), str(css) + ".missing")


def test_the_app_serves_its_real_files_compressed(new_app):
    """What `make install` builds for the real static files, the app sends as brotli."""
    build(cfg.PROJECT_ROOT / "static")
    client = new_app().test_client()
    for url in ("/static/css/selfscan.css", "/static/js/selfscan.js"):
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
        assert response.headers["Content-Security-Policy"]  # the protective headers stay
        source = cfg.PROJECT_ROOT / url.lstrip("/")
        assert decoded(response) == source.read_bytes()


def test_the_build_scripts_and_the_readme_are_not_served(client):
    # static/ also holds developer files; browsers get the assets only.
    assert client.get("/static/css/selfscan.css").status_code == 200
    for path in ("/static/README.md", "/static/build/package.json", "/static/build/vendor-nlds.sh"):
        assert client.get(path).status_code == 404, path
    assert sc.is_served("css/selfscan.css") and sc.is_served("vendor/manifest.json")
    assert not sc.is_served("build/package-lock.json") and not sc.is_served("README.md")
