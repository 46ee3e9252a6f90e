"""Secret links: random tokens, their stored hashes, and the invitation token derived per round."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 24  # 192 bits: well above the 128 bits a guessing attack would have to beat
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps. A plain SHA-256 suffices: the tokens are long and random."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def looks_valid(token: str) -> bool:
    return bool(TOKEN_RE.match(token))


def invitation_token(coordinator_token: str, nonce: str) -> str:
    """The round's invitation token, derived from the coordinator token and a stored nonce.

    The coordinator page can show the invitation link again at any time, while the database
    holds neither token. Replacing the invitation link means storing a new nonce.
    """
    mac = hmac.new(coordinator_token.encode("ascii"), f"invitation:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:TOKEN_BYTES]).decode("ascii")


def link_csrf_token(secret_key: str | bytes, link_token: str) -> str:
    """The CSRF token of the forms behind one secret link, bound to that link, not a session.

    Whoever can post with it already holds the link, so it proves as much as a session's
    token does, and answering the questionnaire needs no cookie. The prefix keeps these MACs
    apart from anything else made with the same key.
    """
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    mac = hmac.new(key, b"link-csrf:" + link_token.encode("ascii", "replace"), hashlib.sha256)
    return mac.hexdigest()


def link_csrf_valid(secret_key: str | bytes, link_token: str, sent: str | None) -> bool:
    """Whether `sent` is the link's CSRF token; compared in constant time."""
    if not sent:
        return False
    return hmac.compare_digest(link_csrf_token(secret_key, link_token).encode(),
                               sent.encode("utf-8", "replace"))


def _pad(secret_key: str | bytes, nonce: str, length: int) -> bytes:
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    out = b""
    block = 0
    while len(out) < length:
        out += hmac.new(key, f"seal:{nonce}:{block}".encode(), hashlib.sha256).digest()
        block += 1
    return out[:length]


def seal(secret_key: str | bytes, nonce: str, token: str) -> str:
    """A secret link token made unreadable for a client-side session cookie.

    The session cookie is signed, not encrypted: whoever sees it (a shared computer, a proxy log)
    could read a token kept in it. The token is XORed with a pad derived from the secret key and
    the form's random nonce (HMAC-SHA256 as a stream cipher; one nonce seals one token).
    """
    data = token.encode("ascii")
    sealed = bytes(a ^ b for a, b in zip(data, _pad(secret_key, nonce, len(data)), strict=True))
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def unseal(secret_key: str | bytes, nonce: str, sealed: str) -> str | None:
    """The token that ``seal`` sealed with this nonce; None for anything else."""
    try:
        data = base64.urlsafe_b64decode(sealed.encode("ascii"))
    except (ValueError, UnicodeError):
        return None
    plain = bytes(a ^ b for a, b in zip(data, _pad(secret_key, nonce, len(data)), strict=True))
    try:
        token = plain.decode("ascii")
    except UnicodeDecodeError:
        return None
    return token if looks_valid(token) else None
