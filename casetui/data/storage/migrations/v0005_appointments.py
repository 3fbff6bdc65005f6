"""Version 5: appointments (one row per occurrence, a recurring one's rule in
``appointment_series``) and tasks.

Written out by hand for both databases; only the key, timestamp and time types differ. "IF NOT
EXISTS": a file relabelled as older (as a test does) already has them.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection

_TABLES = """
CREATE TABLE IF NOT EXISTS appointment_series (
    id {pk},
    frequency VARCHAR(20) NOT NULL,
    repeat_until DATE NOT NULL,
    rrule VARCHAR(200) NOT NULL,
    created_at {ts} NOT NULL,
    PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS appointment (
    id {pk},
    client_id INTEGER,
    case_id INTEGER,
    series_id INTEGER,
    worker VARCHAR(100) NOT NULL,
    starts_on DATE NOT NULL,
    start_time {time} NOT NULL,
    time_zone VARCHAR(64) NOT NULL,
    duration_minutes INTEGER NOT NULL,
    kind VARCHAR(20) NOT NULL,
    place VARCHAR(250),
    with_whom VARCHAR(250),
    purpose TEXT,
    status VARCHAR(20) NOT NULL,
    rescheduled_to_id INTEGER,
    reminder_minutes INTEGER,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(client_id) REFERENCES client (id),
    FOREIGN KEY(case_id) REFERENCES case_file (id),
    FOREIGN KEY(series_id) REFERENCES appointment_series (id)
);
CREATE INDEX IF NOT EXISTS ix_appointment_worker_day ON appointment (worker, starts_on);
CREATE INDEX IF NOT EXISTS ix_appointment_case_id ON appointment (case_id);
CREATE INDEX IF NOT EXISTS ix_appointment_client_id ON appointment (client_id);
CREATE INDEX IF NOT EXISTS ix_appointment_series_id ON appointment (series_id);
CREATE TABLE IF NOT EXISTS task (
    id {pk},
    title VARCHAR(250) NOT NULL,
    due_on DATE NOT NULL,
    due_time {time},
    priority VARCHAR(10) NOT NULL,
    client_id INTEGER,
    case_id INTEGER,
    goal_id INTEGER,
    referral_id INTEGER,
    worker VARCHAR(100) NOT NULL,
    done_on DATE,
    note TEXT,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(client_id) REFERENCES client (id),
    FOREIGN KEY(case_id) REFERENCES case_file (id),
    FOREIGN KEY(goal_id) REFERENCES goal (id),
    FOREIGN KEY(referral_id) REFERENCES referral (id)
);
CREATE INDEX IF NOT EXISTS ix_task_case_id ON task (case_id);
CREATE INDEX IF NOT EXISTS ix_task_worker_due ON task (worker, done_on, due_on);
CREATE INDEX IF NOT EXISTS ix_task_client_id ON task (client_id)
"""

_TYPES = {
    "sqlite": {"pk": "INTEGER NOT NULL", "ts": "DATETIME", "time": "TIME"},
    "postgresql": {"pk": "SERIAL NOT NULL", "ts": "TIMESTAMP WITH TIME ZONE", "time": "TIME WITHOUT TIME ZONE"},
}


def upgrade(conn: Connection) -> None:
    types = _TYPES[conn.dialect.name]
    for statement in _TABLES.format(**types).split(";"):
        conn.execute(text(statement))
