"""The idle lock's PIN or passphrase, kept in the settings only as a salted scrypt hash (for an
unencrypted file; an encrypted one is unlocked with its own passphrase)."""

from __future__ import annotations

import hashlib
import hmac
import os

from sqlmodel import Session

from casetui.data.domain.errors import ValidationError
from casetui.data.storage import audit_log as audit
from casetui.data.storage.models import Setting

LOCK_SECRET_KEY = "lock_secret_hash"

# scrypt cost: about 50 ms here, cheap for one unlock and costly for guessing a short PIN.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_secret(secret: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_secret(secret: str, stored: str) -> bool:
    try:
        kind, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate, bytes.fromhex(digest))


def has_lock_secret(session: Session) -> bool:
    return session.get(Setting, LOCK_SECRET_KEY) is not None


def set_lock_secret(session: Session, secret: str) -> None:
    """Keep a salted hash of the worker's lock PIN or passphrase (never the secret itself)."""
    if not secret or len(secret.strip()) < 4:
        raise ValidationError("secret", "The lock PIN or passphrase must be at least 4 characters.")
    row = session.get(Setting, LOCK_SECRET_KEY) or Setting(key=LOCK_SECRET_KEY, value="")
    row.value = hash_secret(secret)
    session.add(row)
    audit.record(session, "update", "setting", LOCK_SECRET_KEY, fields=["value"])
    session.flush()


def check_lock_secret(session: Session, secret: str) -> bool:
    row = session.get(Setting, LOCK_SECRET_KEY)
    return row is not None and check_secret(secret, row.value)


def needs_lock_choice(session: Session, encrypted: bool) -> bool:
    """The first run of a plain file: no lock PIN yet and the lock not turned off either. (An
    encrypted file locks with its passphrase and needs no choice.)"""
    return not encrypted and not has_lock_secret(session) and session.get(Setting, "idle_lock_minutes") is None


def turn_lock_off(session: Session) -> None:
    """The worker's explicit choice, after the warning: never lock (setting ``idle_lock_minutes`` 0)."""
    from casetui.data.services import settings

    settings.set_value(session, "idle_lock_minutes", "0")


def record_wrong_secret(session: Session) -> None:
    """Each wrong PIN or passphrase at the lock is in the audit trail (what was typed never is)."""
    audit.record(session, "unlock failed", "lock")
    session.flush()
