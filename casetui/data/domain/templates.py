"""Documents rendered from the jinja2 templates in ``templates/``.

HTML templates are autoescaped; Markdown ones are not (Markdown has no escaping to do).
Saved documents are owner-only (0600).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


def templates_dir() -> Path:
    """Inside the wheel (``casetui/templates``) or, in a source checkout, the top-level folder."""
    package = Path(__file__).resolve().parents[2]  # casetui/
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["d"] = lambda value, fmt="%Y-%m-%d": value.strftime(fmt) if value else ""
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def save(text: str, path: Path) -> Path:
    """Write a document owner-only, creating its folder if needed."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    return path
