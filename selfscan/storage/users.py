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
"""What an account may do; not to be confused with the role groups of respondents. ``admin``
gives no more rights than ``ccv``: accounts with it, made by earlier versions, keep working as
ccv accounts, and new accounts get ``ccv`` only (NEW_ACCOUNT_ROLES)."""
NEW_ACCOUNT_ROLES = ("ccv",)
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


def _check_password(password: str) -> None:
    if len(password) < 12:
        raise ValueError("het wachtwoord moet minstens 12 tekens lang zijn")


def create_user(db: Database, email: str, password: str, account_role: str = "ccv") -> User:
    if account_role not in ACCOUNT_ROLES:
        raise ValueError(f"onbekende rol {account_role!r}; kies uit {', '.join(ACCOUNT_ROLES)}")
    _check_password(password)
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
        "SELECT id, email, account_role, session_version FROM users"
        " WHERE id = ? AND disabled_at IS NULL", [number]),
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
    if row is None or row["disabled_at"] is not None:
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
           WHERE t.token_hash = ? AND u.disabled_at IS NULL""", [tokens.token_hash(token)]), None))


# --- account care (flask --app selfscan list-users, reset-password, ...) ----------------------


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every account without its password hash, oldest first."""
    return list(db.query(
        "SELECT id, email, account_role, created_at, last_login_at, disabled_at FROM users"
        " ORDER BY created_at, id"))


def set_password(db: Database, user_id: int, password: str) -> None:
    """A new password; every session of the account ends."""
    _check_password(password)
    with write(db):
        db.execute("UPDATE users SET password_hash = ?, session_version = session_version + 1"
                   " WHERE id = ?", (_hasher.hash(password), user_id))
        log_event(db, "password_reset")


def set_disabled(db: Database, user_id: int, disabled: bool) -> None:
    """Disable an account (no sign-in, no API tokens, every session ends) or enable it again."""
    with write(db):
        db.execute("UPDATE users SET disabled_at = ?, session_version = session_version + 1"
                   " WHERE id = ?", (now() if disabled else None, user_id))
        log_event(db, "user_disabled" if disabled else "user_enabled")


def delete_user(db: Database, user_id: int) -> None:
    """Delete an account and (ON DELETE CASCADE) its API tokens."""
    with write(db):
        db.execute("DELETE FROM api_tokens WHERE user_id = ?", (user_id,))
        db.execute("DELETE FROM users WHERE id = ?", (user_id,))
        log_event(db, "user_deleted")


def list_api_tokens(db: Database) -> list[dict[str, Any]]:
    """Every API token by its number, owner and label; never the token or its hash."""
    return list(db.query(
        """SELECT t.rowid AS id, u.email, t.label, t.created_at, u.disabled_at
           FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at, t.rowid"""))


def revoke_api_token(db: Database, token_id: int) -> bool:
    """Delete an API token by its number; False when there is none."""
    with write(db):
        gone = db.execute("DELETE FROM api_tokens WHERE rowid = ?", (token_id,)).rowcount
        if gone:
            log_event(db, "api_token_revoked")
    return bool(gone)
