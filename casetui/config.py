"""Where casetui keeps its files, and who is using it. The only caller of platformdirs."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

APP_NAME = "casetui"
DB_ENV = "CASETUI_DB"
WORKER_ENV = "CASETUI_WORKER"


def _private_dir(path: Path) -> Path:
    """Create ``path`` owner-only (0700); tighten it if it already exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def data_dir() -> Path:
    from platformdirs import user_data_path

    return _private_dir(user_data_path(APP_NAME, appauthor=False))


def config_dir() -> Path:
    from platformdirs import user_config_path

    return _private_dir(user_config_path(APP_NAME, appauthor=False))


def keymap_path() -> Path:
    """The worker's own keys (docs/keys.md). Only read: looking for it creates no folder."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "keymap.toml"


def log_dir() -> Path:
    from platformdirs import user_log_path

    return _private_dir(user_log_path(APP_NAME, appauthor=False))


# Where documents go instead of the data folder's (the demo's throwaway folder), or None.
_documents_override: Path | None = None


def use_documents_dir(path: Path | None) -> None:
    """Write documents into ``path`` from now on (``casetui --demo``); None: the usual folder."""
    global _documents_override
    _documents_override = path


def documents_dir() -> Path:
    if _documents_override is not None:
        return _private_dir(_documents_override)
    return _private_dir(data_dir() / "documents")


def backups_dir() -> Path:
    return _private_dir(data_dir() / "backups")


def default_db_path() -> Path:
    return data_dir() / "casetui.db"


def resolve_db(arg: str | None) -> str:
    """The database to use: ``--db`` first, then ``CASETUI_DB``, then the default file.

    Returns a path or an SQLAlchemy URL exactly as given.
    """
    chosen = arg or os.environ.get(DB_ENV)
    if chosen:
        return chosen
    return str(default_db_path())


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): still need a name for the audit trail
        return "unknown"


def worker_name() -> str:
    """The name written into the audit trail and on new records."""
    return os.environ.get(WORKER_ENV) or os_user()
