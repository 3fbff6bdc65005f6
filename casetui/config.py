"""Where casetui keeps its files, and who is using it. The only caller of platformdirs."""

from __future__ import annotations

import contextlib
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


# The worker's own settings: who they are belongs to the person at this computer, not to a
# database their whole agency may share, so it is kept here and never in the database.
USER_FILE = "user.toml"
MAX_WORKER_NAME = 80  # it is on every audit row and record the worker writes


def user_file_path() -> Path:
    """Only read: looking for it creates no folder."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / USER_FILE


def saved_worker_name() -> str | None:
    """The name saved on the first run or in the settings, or None (none saved, or a file that
    cannot be read: the first run then asks again)."""
    import tomllib

    try:
        document = tomllib.loads(user_file_path().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = document.get("worker_name")
    return name.strip() or None if isinstance(name, str) else None


def worker_from_environment() -> str | None:
    return (os.environ.get(WORKER_ENV) or "").strip() or None


def recorded_worker_name() -> str | None:
    """The worker's name when they have given it (``CASETUI_WORKER`` or the saved one), else None."""
    return worker_from_environment() or saved_worker_name()


def check_worker_name(name: str) -> str:
    """``name`` tidied, or ValueError with the sentence to show beside the field."""
    name = " ".join(str(name).split())
    if not name:
        raise ValueError("Type your name: it is on every record and audit entry you write.")
    if len(name) > MAX_WORKER_NAME:
        raise ValueError(f"A name can be at most {MAX_WORKER_NAME} characters.")
    if not name.isprintable():
        raise ValueError("A name cannot hold control characters.")
    return name


def save_worker_name(name: str) -> str:
    """Keep the worker's name in their own settings file (owner-only, replaced whole, other lines
    kept); returns the name as saved. ValueError for a name that cannot be used."""
    import json
    import tempfile
    import tomllib

    name = check_worker_name(name)
    path = config_dir() / USER_FILE
    try:
        kept = [
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.strip().startswith("worker_name")
        ]
        tomllib.loads("\n".join(kept))  # what is kept must stay readable
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        kept = []
    # A JSON string (ensure_ascii) is a valid TOML basic string: quotes, backslashes escaped.
    text = "\n".join([f"worker_name = {json.dumps(name)}", *kept]) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".user-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return name


def worker_name() -> str:
    """The name written into the audit trail and on new records: ``CASETUI_WORKER`` when set,
    else the name saved in the worker's settings file, else the computer's user name."""
    return recorded_worker_name() or os_user()
