"""E-mail: composing the service's messages and sending them over SMTP or into an outbox folder.

Plain Python (no Flask): the web layer and the CLI pass the settings in. Every message is
UTF-8 plain text, Dutch first and English second, since the sender does not know the reader's
language. Without an SMTP host (the embedded default) each message is written as an .eml file
(mode 600) into ``<instance>/outbox/`` (mode 700), for an operator to read or forward.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

log = logging.getLogger("selfscan.mail")

TLS_MODES = ("none", "starttls", "ssl")
TIMEOUT_SECONDS = 15
SEPARATOR = "\n\n" + "-" * 60 + "\n(English below)\n\n"


class MailError(Exception):
    """The message could not be delivered to the mail server (nothing was sent)."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    tls: str
    user: str
    password: str
    sender: str
    outbox: Path

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str | Path) -> MailSettings:
        tls = str(config.get("SMTP_TLS") or "starttls").strip().lower()
        if tls not in TLS_MODES:
            raise ValueError(f"SELFSCAN_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
        return cls(host=str(config.get("SMTP_HOST") or "").strip(),
                   port=int(config.get("SMTP_PORT") or 587), tls=tls,
                   user=str(config.get("SMTP_USER") or ""),
                   password=str(config.get("SMTP_PASSWORD") or ""),
                   sender=str(config.get("MAIL_FROM") or "zelfscan@localhost"),
                   outbox=Path(instance_path) / "outbox")

    @property
    def uses_outbox(self) -> bool:
        return not self.host


@dataclass(frozen=True)
class Delivery:
    """How a message left: over SMTP, or as a file in the outbox (``path``)."""

    via: str  # "smtp" or "outbox"
    path: Path | None = None


# --- composing ---------------------------------------------------------------------------------


def compose(sender: str, to: str, subject_nl: str, subject_en: str, body_nl: str,
            body_en: str) -> EmailMessage:
    """A plain-text UTF-8 message with the Dutch text first and the English text after it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"{subject_nl} / {subject_en}"
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Content-Language"] = "nl, en"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body_nl.strip() + SEPARATOR + body_en.strip() + "\n", charset="utf-8")
    return message


@dataclass(frozen=True)
class RoundLinks:
    """One round in a message with new secret links."""

    municipality: str
    year: int
    name: str
    is_open: bool
    coordinator_url: str
    invitation_url: str | None


def confirmation_message(sender: str, to: str, *, municipality: str, year: int,
                         confirm_url: str, valid_days: int) -> EmailMessage:
    nl = f"""Goedendag,

Iemand heeft een ronde van de zelfscan aanpak multiprobleemgezinnen gestart voor de gemeente
{municipality} ({year}) en dit e-mailadres opgegeven als werkadres van de coördinator.

Bevestig uw e-mailadres met deze link (geldig tot {valid_days} dagen na het versturen):

{confirm_url}

Pas na uw bevestiging kan de ronde meetellen buiten uw gemeente: in de landelijke vergelijking
(na goedkeuring door het CCV) of als verzoek om coaching. Met een bevestigd adres kunt u ook
nieuwe geheime links aanvragen als u ze kwijt bent.

Hebt u deze ronde niet gestart? Dan hoeft u niets te doen: zonder bevestiging telt de ronde
nergens mee buiten de gemeente.

Zelfscan aanpak multiprobleemgezinnen (CCV)"""
    en = f"""Hello,

Someone started a round of the self-scan of the approach to multi-problem families for the
municipality of {municipality} ({year}) and gave this address as the coordinator's work address.

Please confirm your e-mail address with this link (valid for {valid_days} days after sending):

{confirm_url}

Only after you confirm can the round count beyond your municipality: in the national comparison
(once the CCV approves it) or as a request for coaching. With a confirmed address you can also
ask for new secret links if you lose them.

Did you not start this round? Then you need not do anything: without confirmation the round
counts nowhere outside the municipality.

Self-scan multi-problem families (CCV)"""
    return compose(sender, to, "Bevestig uw e-mailadres", "Confirm your e-mail address", nl, en)


def _round_lines(rounds: Sequence[RoundLinks], lang: str) -> str:
    out = []
    for r in rounds:
        title = f"{r.municipality} {r.year}" + (f": {r.name}" if r.name else "")
        state = (("open" if r.is_open else "gesloten") if lang == "nl"
                 else ("open" if r.is_open else "closed"))
        lines = [f"* {title} ({state})",
                 ("  Coördinatorlink: " if lang == "nl" else "  Coordinator link: ")
                 + r.coordinator_url]
        if r.invitation_url:
            lines.append(("  Uitnodigingslink voor deelnemers: " if lang == "nl"
                          else "  Invitation link for respondents: ") + r.invitation_url)
        out.append("\n".join(lines))
    return "\n\n".join(out)


def links_message(sender: str, to: str, rounds: Sequence[RoundLinks]) -> EmailMessage:
    nl = f"""Goedendag,

U vroeg om uw geheime links van de zelfscan aanpak multiprobleemgezinnen opnieuw. Hieronder
staan nieuwe links voor elke ronde waarvan dit het bevestigde e-mailadres is. De oude
coördinatorlink en de oude uitnodigingslink werken niet meer. Deelnemers die al begonnen zijn,
gaan gewoon verder met hun eigen link.

{_round_lines(rounds, "nl")}

Bewaar de links veilig. Hebt u dit niet zelf gevraagd? Dan kunt u deze nieuwe links gewoon
gebruiken; wie om de links vroeg, heeft ze niet gekregen.

Zelfscan aanpak multiprobleemgezinnen (CCV)"""
    en = f"""Hello,

You asked for your secret links of the self-scan of the approach to multi-problem families
again. Below are new links for every round of which this is the confirmed e-mail address. The
old coordinator link and the old invitation link no longer work. Respondents who already started
simply continue with their own link.

{_round_lines(rounds, "en")}

Keep the links safe. Did you not ask for this yourself? You can simply use these new links;
whoever asked for them did not receive them.

Self-scan multi-problem families (CCV)"""
    return compose(sender, to, "Uw nieuwe links voor de zelfscan",
                   "Your new links for the self-scan", nl, en)


def deletion_warning_message(sender: str, to: str, *, municipality: str, year: int,
                             delete_on: str, links_url: str) -> EmailMessage:
    where_nl = links_url or "de pagina 'Links opnieuw aanvragen' van de zelfscan"
    where_en = links_url or "the page 'Ask for your links again' of the self-scan"
    nl = f"""Goedendag,

In de ronde van de zelfscan aanpak multiprobleemgezinnen van de gemeente {municipality} ({year})
is lange tijd niets gebeurd. De ronde staat nog open. Op of na {delete_on} verwijderen wij de
ronde met alle antwoorden.

Wilt u de antwoorden bewaren? Sluit de ronde dan voor die datum met uw coördinatorlink. Gesloten
rondes blijven bewaard. Bent u de coördinatorlink kwijt? Vraag een nieuwe aan via {where_nl}.

Zelfscan aanpak multiprobleemgezinnen (CCV)"""
    en = f"""Hello,

Nothing has happened for a long time in the round of the self-scan of the approach to
multi-problem families of the municipality of {municipality} ({year}). The round is still open.
On or after {delete_on} we will delete the round with all its answers.

Do you want to keep the answers? Then close the round before that date with your coordinator
link. Closed rounds are kept. Lost the coordinator link? Ask for a new one at {where_en}.

Self-scan multi-problem families (CCV)"""
    return compose(sender, to, "Uw ronde van de zelfscan wordt verwijderd",
                   "Your self-scan round will be deleted", nl, en)


# --- sending -----------------------------------------------------------------------------------


def send(settings: MailSettings, message: EmailMessage) -> Delivery:
    """Deliver a message: to the SMTP server, or, without one, as a file in the outbox.

    Raises MailError when the server cannot be reached or refuses the message. The log says
    how the message left, never its recipient, subject or content (they may hold a token).
    """
    if settings.uses_outbox:
        path = write_to_outbox(settings.outbox, message)
        log.warning("no mail server configured (SELFSCAN_SMTP_HOST): message written to %s",
                    path)
        return Delivery("outbox", path)
    try:
        _send_smtp(settings, message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("sending mail over %s:%s failed: %s", settings.host, settings.port,
                  type(exc).__name__)
        raise MailError(str(type(exc).__name__)) from None
    log.info("mail sent over %s:%s", settings.host, settings.port)
    return Delivery("smtp")


def _send_smtp(settings: MailSettings, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with smtp:
        if settings.tls == "starttls":
            smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)


def write_to_outbox(outbox: Path, message: EmailMessage) -> Path:
    """Write the message as an .eml file (mode 600) into the outbox folder (mode 700)."""
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    outbox.chmod(0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(bytes(message))
    return path
