"""Version 3: a standardized instrument keeps its answer to the difficulty question.

PHQ-9 and GAD-7 end with "how difficult have these problems made it ..."; it is not scored but
belongs with the answers.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE instrument_score ADD COLUMN difficulty VARCHAR(40)"))
