"""Opening a written document in the desktop's default handler (its PDF viewer, browser or
editor): ``xdg-open`` on Linux and the BSDs, ``open`` on macOS, ``os.startfile`` on Windows.

``CASETUI_OPEN_WITH`` names another program to use instead (a viewer of the worker's choice;
the tests use it to see what would be opened). Nothing here waits for the viewer.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

OPEN_WITH_ENV = "CASETUI_OPEN_WITH"


class CannotOpen(Exception):
    """Why the document could not be opened, as a sentence for the worker."""


def opener() -> list[str] | None:
    """The command that opens a file here (the file is added last), or None."""
    chosen = os.environ.get(OPEN_WITH_ENV)
    if chosen:
        return shlex.split(chosen)
    if sys.platform == "darwin":
        return ["open"]
    if sys.platform.startswith("win"):
        return None  # os.startfile
    found = shutil.which("xdg-open")
    return [found] if found else None


def open_file(path: Path | str) -> None:
    """Hand ``path`` to the desktop's viewer and return at once; ``CannotOpen`` says why not."""
    path = Path(path)
    if not path.is_file():
        raise CannotOpen(f"The file is no longer at {path}: it was moved or deleted.")
    command = opener()
    if command is None and sys.platform.startswith("win") and not os.environ.get(OPEN_WITH_ENV):
        try:
            os.startfile(path)  # type: ignore[attr-defined]  # Windows only
        except OSError as exc:
            raise CannotOpen(f"Windows could not open {path}: {exc.strerror or exc}.") from None
        return
    if command is None:
        raise CannotOpen(
            f"No program to open documents was found here (xdg-open is not installed). Open {path} yourself."
        )
    try:
        subprocess.Popen(
            [*command, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the viewer outlives casetui and never draws on its terminal
        )
    except OSError as exc:
        raise CannotOpen(f"Could not start {command[0]}: {exc.strerror or exc}.") from None
