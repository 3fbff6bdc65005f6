"""File helpers for the tests."""

from __future__ import annotations

import hashlib
from pathlib import Path


def digest(path: str | Path) -> str:
    """The SHA-256 of a file's bytes: proves a file was left exactly as it was."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
