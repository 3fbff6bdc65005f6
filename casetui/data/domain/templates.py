"""Documents rendered from the jinja2 templates in ``templates/``.

HTML templates are autoescaped; Markdown ones are not (Markdown has no escaping to do).
Saving one (owner-only) is ``services.documents.save``.
"""

from __future__ import annotations

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
