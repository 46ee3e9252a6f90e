"""CCV staff accounts: password hashing (Argon2id), lookup and the Flask-Login user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from selfscan.core import tokens
from selfscan.storage.db import Database, log_event, now, write

_hasher = PasswordHasher()  # Argon2id, memory-hard, with the library's current parameters
ACCOUNT_ROLES = ("ccv", "admin")
"""What an account may do; not to be confused with the role groups of respondents."""
# A hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not a real password")


@dataclass
class User:
    id: int
    email: str
    account_role: str
    session_version: int = 0

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """What the session keeps: the account and the session version it was made with, so
        that bumping the version (signing out, a new password) ends every session at once."""
        return f"{self.id}.{self.session_version}"


def _user(row: dict[str, Any] | None) -> User | None:
    return (User(row["id"], row["email"], row["account_role"], row["session_version"])
            if row else None)


def create_user(db: Database, email: str, password: str, account_role: str = "ccv") -> User:
    if account_role not in ACCOUNT_ROLES:
        raise ValueError(f"onbekende rol {account_role!r}; kies uit {', '.join(ACCOUNT_ROLES)}")
    if len(password) < 12:
        raise ValueError("het wachtwoord moet minstens 12 tekens lang zijn")
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError("vul een geldig e-mailadres in")
    with write(db):
        if db.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone():
            raise ValueError(f"er bestaat al een account voor {email}")
        cur = db.execute(
            "INSERT INTO users (email, password_hash, account_role, created_at) VALUES (?, ?, ?, ?)",
            (email, _hasher.hash(password), account_role, now()))
        log_event(db, "user_created", None, account_role)
    return User(int(cur.lastrowid or 0), email, account_role)


def get_user(db: Database, session_id: str) -> User | None:
    """The account a session belongs to, or None when its session version has been ended."""
    uid, _sep, version = str(session_id).partition(".")
    try:
        number, session_version = int(uid), int(version)
    except (TypeError, ValueError):
        return None
    user = _user(next(db.query(
        "SELECT id, email, account_role, session_version FROM users WHERE id = ?", [number]),
        None))
    return user if user is not None and user.session_version == session_version else None


def end_sessions(db: Database, user_id: int) -> None:
    """End every session of an account (signing out, a new password)."""
    with write(db):
        db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?",
                   (user_id,))
        log_event(db, "sessions_ended")


def _row_by_email(db: Database, email: str) -> dict[str, Any] | None:
    return next(db.query("SELECT * FROM users WHERE email = ?", [email.strip().lower()]), None)


def user_by_email(db: Database, email: str) -> User | None:
    return _user(_row_by_email(db, email))


def authenticate(db: Database, email: str, password: str) -> User | None:
    row = _row_by_email(db, email)
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    with write(db):
        db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", (now(), row["id"]))
        if _hasher.check_needs_rehash(row["password_hash"]):
            db.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                         (_hasher.hash(password), row["id"]))
    return _user(row)


def create_api_token(db: Database, user_id: int, label: str = "") -> str:
    token = tokens.new_token()
    with write(db):
        db.execute("INSERT INTO api_tokens VALUES (?, ?, ?, ?)",
                     (tokens.token_hash(token), user_id, label, now()))
    return token


def user_for_api_token(db: Database, token: str) -> User | None:
    if not tokens.looks_valid(token):
        return None
    return _user(next(db.query(
        """SELECT u.id, u.email, u.account_role, u.session_version
           FROM api_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.token_hash = ?""", [tokens.token_hash(token)]), None))
