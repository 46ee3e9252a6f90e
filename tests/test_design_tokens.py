"""The trimmed design tokens (design-tokens-used.css) hold every theme token the app uses."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "static" / "build" / "trim_design_tokens.py"


def _trimmer():
    spec = importlib.util.spec_from_file_location("trim_design_tokens", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_theme_token_in_use_is_in_the_trimmed_file(capsys):
    trim = _trimmer()
    assert trim.main(["--check"]) == 0, capsys.readouterr().out
    theme = dict(trim.DECLARATION.findall(trim.THEME.read_text(encoding="utf-8")))
    kept = dict(trim.DECLARATION.findall(trim.TRIMMED.read_text(encoding="utf-8")))
    for name, value in kept.items():  # the values are the theme's own, and refer to kept ones
        assert theme[name] == value
        assert all(ref in kept for ref in trim.USE.findall(value) if ref in theme), name
    assert trim.TRIMMED.stat().st_size < trim.THEME.stat().st_size / 20


def test_the_check_names_a_token_that_is_missing(tmp_path, capsys, monkeypatch):
    trim = _trimmer()
    css = tmp_path / "extra.css"
    css.write_text("p { color: var(--basis-color-default-color-document); }\n", encoding="utf-8")
    monkeypatch.setattr(trim, "sources", lambda: [css])
    empty = tmp_path / "design-tokens-used.css"
    empty.write_text(".utrecht-theme {\n}\n", encoding="utf-8")
    monkeypatch.setattr(trim, "TRIMMED", empty)
    assert trim.main(["--check"]) == 1
    assert "--basis-color-default-color-document" in capsys.readouterr().out
