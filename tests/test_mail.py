"""E-mail: composing (Dutch first, then English), sending over a real SMTP server (aiosmtpd),
and the outbox folder when no mail server is set."""

from __future__ import annotations

import logging
import stat
from datetime import date

import pytest
from mailserver import body, free_port, link, outbox_messages
from pages import csrf_of, nonce_of, text_of

from selfscan.output import mail


def _settings(tmp_path, **extra):
    config = {"SMTP_HOST": "", "MAIL_FROM": "zelfscan@ccv.example", **extra}
    return mail.MailSettings.from_config(config, tmp_path)


def test_a_message_is_utf8_plain_text_dutch_first_then_english():
    message = mail.confirmation_message("zelfscan@ccv.example", "coördinator@súdwest.example",
                                        municipality="Súdwest-Fryslân", year=2026,
                                        confirm_url="https://x.example/bevestig/abc",
                                        valid_days=14)
    text = body(message)
    assert message["Subject"] == "Bevestig uw e-mailadres / Confirm your e-mail address"
    assert message.get_content_charset() == "utf-8"
    assert "Súdwest-Fryslân" in text
    assert text.index("Bevestig uw e-mailadres met deze link") < text.index("Please confirm")
    assert text.count("https://x.example/bevestig/abc") == 2


def test_sending_over_smtp_delivers_the_message(tmp_path, inbox):
    settings = _settings(tmp_path, **inbox.config)
    message = mail.compose(settings.sender, "a@gemeente.example", "Onderwerp", "Subject",
                           "Nederlandse tekst", "English text")
    delivery = mail.send(settings, message)
    assert delivery.via == "smtp"
    assert len(inbox.messages) == 1
    received = inbox.messages[0]
    assert received["To"] == "a@gemeente.example"
    assert received["From"] == "zelfscan@ccv.example"
    assert inbox.envelopes[0].rcpt_tos == ["a@gemeente.example"]
    assert "Nederlandse tekst" in body(received) and "English text" in body(received)
    assert not (tmp_path / "outbox").exists()


def test_smtp_login_with_user_and_password(tmp_path, inbox):
    settings = _settings(tmp_path, **inbox.config, SMTP_USER="zelfscan", SMTP_PASSWORD="geheim")
    mail.send(settings, mail.compose(settings.sender, "a@b.example", "a", "b", "c", "d"))
    assert inbox.logins == [("zelfscan", "geheim")]
    assert len(inbox.messages) == 1


def test_an_unreachable_mail_server_raises_mail_error(tmp_path):
    settings = _settings(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TLS="none")
    with pytest.raises(mail.MailError):
        mail.send(settings, mail.compose(settings.sender, "a@b.example", "a", "b", "c", "d"))


def test_an_unknown_tls_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="SELFSCAN_SMTP_TLS"):
        _settings(tmp_path, SMTP_TLS="maybe")


def test_without_a_mail_server_messages_go_to_the_outbox_owner_only(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    settings = _settings(tmp_path)
    message = mail.confirmation_message(settings.sender, "a@b.example", municipality="Ede",
                                        year=2026, confirm_url="https://x/bevestig/" + "t" * 32,
                                        valid_days=14)
    delivery = mail.send(settings, message)
    assert delivery.via == "outbox" and delivery.path is not None
    assert stat.S_IMODE(delivery.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700
    [stored] = outbox_messages(tmp_path)
    assert stored["To"] == "a@b.example"
    assert "outbox" in caplog.text
    assert "t" * 32 not in caplog.text and "a@b.example" not in caplog.text


def _start(client, **extra):
    html = client.get("/start").get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "form_nonce": nonce_of(html), "municipality": "GM0228",
            "year": str(date.today().year), **extra}
    return client.post("/start", data=data, follow_redirects=True)


def test_starting_a_round_without_a_mail_server_says_where_the_message_is(new_app, tmp_path,
                                                                           caplog):
    app = new_app()
    caplog.set_level(logging.INFO)
    page = _start(app.test_client(), benchmark_consent="y", contact_email="Coord@Ede.example")
    assert page.status_code == 200
    assert "Er is geen mailserver ingesteld: het bericht staat in instance/outbox/" in text_of(
        page.get_data(as_text=True))
    [message] = outbox_messages(tmp_path / "instance")
    assert message["To"] == "coord@ede.example"  # kept and used in lower case
    token = link(message, "bevestig").rsplit("/", 1)[1]
    assert token not in caplog.text


def test_starting_a_round_over_smtp_mails_the_confirmation_link(new_app, inbox):
    app = new_app(**inbox.config)
    page = _start(app.test_client(), coaching="y", contact_email="coord@ede.example")
    text = text_of(page.get_data(as_text=True))
    assert "We hebben een e-mail gestuurd naar coord@ede.example" in text
    assert "geen mailserver" not in text
    [message] = inbox.to("coord@ede.example")
    assert link(message, "bevestig").startswith("/bevestig/")


def test_a_failing_mail_server_loses_nothing_and_says_so(new_app):
    app = new_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TLS="none")
    page = _start(app.test_client(), benchmark_consent="y", contact_email="coord@ede.example")
    assert page.status_code == 200  # the round was made; the coordinator page shows its links
    text = text_of(page.get_data(as_text=True))
    assert "De bevestigingsmail kon niet worden verstuurd" in text
    assert "Coördinatorlink" in text
