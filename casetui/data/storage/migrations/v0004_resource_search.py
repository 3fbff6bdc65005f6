"""Version 4: full-text search over the resource directory (SQLite FTS5).

The search objects (the ``service_search_doc`` view, the ``service_fts`` and
``service_title_fts`` indexes and the triggers that keep them in step with the directory
tables) are defined in ``db_objects`` and installed, then filled from the existing directory,
after every migration run; this step has no table changes of its own.
"""

from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    return None
