"""Whole-file swaps (restore, encrypt, copy onto a file) and the processes that have the file open.

Every casetui process that opens an SQLite database holds a shared lock on an empty, owner-only
lock file beside it (``FILE.lock``) until it closes the database; a swap takes that lock
exclusively without waiting, or refuses and names what to close. The lock is a separate file,
not the database itself, because a swap renames a new file onto the database's name: a lock on
the old file would not stop a process opening the new one. The lock file is never deleted
(deleting a lock file races with the next process taking it).

The locks are ``fcntl.flock``: the kernel drops them when a process dies (a SIGKILL leaves no
stale lock), and on Linux they are independent of SQLite's own POSIX locks. Other programs (the
sqlite3 shell, a database browser) take no casetui lock; a swap also refuses while one of them
has the file open in WAL mode (``sqlite_in_use``). POSIX only (Linux, macOS): Windows is not a
target.

Leftover temporary files beside a database (``.FILE.partial`` and the like, from a swap or a
migration backup killed half-way) are removed whenever a process holds the exclusive lock: at
the next open when nobody else has the file open, and by every swap.
"""

from __future__ import annotations

import fcntl
import functools
import os
import time
from pathlib import Path

from casetui.data.domain.errors import DatabaseError

LOCK_SUFFIX = ".lock"
WAIT_S = 30.0  # how long an opener waits for a restore or encrypt to finish
_POLL_S = 0.05
# SQLite's WAL index (FILE-shm): every connection holds a read lock on this byte while it has
# the file open (os_unix.c, UNIX_SHM_DMS = 120 + 8).
_SHM_DMS_OFFSET = 128


class FileLock:
    """A held flock on a lock file; ``release`` (or garbage collection) lets it go."""

    def __init__(self, fd: int, path: Path, created: bool = False):
        self.fd: int | None = fd
        self.path = path
        self.created = created  # this process made the lock file

    def discard(self) -> None:
        """Release, and remove the lock file if this process made it and nobody else holds it: a
        refused open (a missing or foreign file) leaves nothing beside the file."""
        if self.fd is not None and self.created and _try(self.fd, fcntl.LOCK_EX):
            self.path.unlink(missing_ok=True)
        self.release()

    def release(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)  # closing the only descriptor drops the flock

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *_exc) -> None:
        self.release()

    def __del__(self):
        self.release()


def lock_file_of(database: Path) -> Path:
    """The lock file of ``database``: beside the real file, so every name of it shares one lock."""
    real = Path(database).expanduser().resolve()
    return real.with_name(real.name + LOCK_SUFFIX)


def _open_lock_file(database: Path) -> tuple[int, Path, bool]:
    path = lock_file_of(database)
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags), path, False
    except FileNotFoundError:
        pass
    try:
        return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600), path, True
    except FileExistsError:  # another process made it just now
        return os.open(path, flags), path, False


def shared(database: Path, *, wait: float = WAIT_S) -> FileLock | None:
    """The shared lock an open database holds, waiting up to ``wait`` seconds for a swap to end.

    None when no lock file can be made there (a read-only or missing folder): nothing can swap
    the file there either, and opening it reports the folder itself."""
    try:
        fd, path, created = _open_lock_file(database)
    except OSError:
        return None
    lock = FileLock(fd, path, created)
    # Alone on the file: a good moment to remove what a killed swap left beside it.
    if _try(fd, fcntl.LOCK_EX):
        sweep_beside(database)
        fcntl.flock(fd, fcntl.LOCK_SH)  # a conversion; another opener may slip in, which is fine
        return lock
    deadline = time.monotonic() + wait
    while not _try(fd, fcntl.LOCK_SH):
        if time.monotonic() > deadline:
            lock.release()
            raise DatabaseError(
                f"{database} is being restored or encrypted by another casetui. Try again when that has "
                "finished; nothing was changed."
            )
        time.sleep(_POLL_S)
    return lock


def exclusive(database: Path, command: str) -> FileLock:
    """The lock a whole-file swap holds while it runs; refused at once if the file is in use."""
    refused = DatabaseError(
        f"Another casetui (or another program) has {database} open: close it, then run {command} again. "
        "Nothing was changed."
    )
    try:
        fd, path, _created = _open_lock_file(database)
    except OSError as exc:
        raise DatabaseError(
            f"casetui cannot lock {database} ({exc.strerror or exc}): check the folder's permissions. "
            "Nothing was changed."
        ) from None
    lock = FileLock(fd, path)
    if not _try(fd, fcntl.LOCK_EX) or sqlite_in_use(database):
        lock.release()
        raise refused
    sweep_beside(database)
    return lock


def _try(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def sqlite_in_use(database: Path) -> bool:
    """Whether another process has ``database`` open through SQLite in WAL mode (casetui's mode).

    Call it only while this process has no connection to the file: closing the probe drops this
    process's own POSIX locks on the WAL index (SQLite's known caveat); the exclusive casetui
    lock, taken first, makes sure of that for casetui's own connections."""
    try:
        fd = os.open(f"{Path(database).expanduser()}-shm", os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False  # no WAL index: nobody has it open in WAL mode
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_OFFSET)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_OFFSET)
        return False
    finally:
        os.close(fd)


def leftovers_beside(database: Path) -> list[Path]:
    """Temporary files casetui writes beside ``database`` (a swap's, a migration backup's), and
    their SQLite journals and lock files."""
    database = Path(database).expanduser()
    folder, name = database.parent, database.name
    found = set(folder.glob(f".{name}.partial*")) | set(folder.glob(f".{name}.*.partial*"))
    return sorted(path for path in found if not path.is_dir())


def sweep_beside(database: Path) -> list[Path]:
    """Remove ``leftovers_beside`` (only while holding the exclusive lock: nobody is writing them)."""
    removed = []
    for path in leftovers_beside(database):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            continue  # not ours to remove (permissions): left for the person to see
        removed.append(path)
    return removed


def held_while_open(path_of):
    """Decorator for ``open_database``: the returned database holds the shared lock of its file
    (``path_of(target)``, None for a server) as ``file_lock``; a failed open releases it."""

    def decorate(open_function):
        @functools.wraps(open_function)
        def wrapper(target, *args, **kwargs):
            path = path_of(target)
            lock = shared(path) if path is not None else None
            try:
                database = open_function(target, *args, **kwargs)
            except BaseException:
                if lock is not None:
                    lock.discard()
                raise
            database.file_lock = lock
            return database

        return wrapper

    return decorate


# --- the temporary files of backups, in a folder of backups ------------------------------------


def writing_into(folder: Path) -> FileLock | None:
    """A shared lock on ``folder`` itself, held while a backup writes its temporary file there,
    so that ``sweep_folder`` (run by other backups) leaves that file alone."""
    try:
        fd = os.open(Path(folder), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)  # a sweep holds it only for as long as a few unlinks take
    return FileLock(fd, Path(folder))


def sweep_folder(folder: Path, patterns: list[str]) -> list[Path]:
    """Remove the files matching ``patterns`` in ``folder`` when no backup is writing there."""
    try:
        fd = os.open(Path(folder), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return []
    removed = []
    with FileLock(fd, Path(folder)):
        if not _try(fd, fcntl.LOCK_EX):
            return []
        for pattern in patterns:
            for path in Path(folder).glob(pattern):
                try:
                    path.unlink()
                except OSError:
                    continue
                removed.append(path)
    return removed
