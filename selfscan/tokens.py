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
