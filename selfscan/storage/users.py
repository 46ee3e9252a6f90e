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

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


def _user(row: dict[str, Any] | None) -> User | None:
    return User(row["id"], row["email"], row["account_role"]) if row else None


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


def get_user(db: Database, user_id: str | int) -> User | None:
    try:
        uid = int(user_id)
    except (TypeError, ValueError):
        return None
    return _user(next(db.query("SELECT id, email, account_role FROM users WHERE id = ?", [uid]), None))


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
        """SELECT u.id, u.email, u.account_role FROM api_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.token_hash = ?""", [tokens.token_hash(token)]), None))
