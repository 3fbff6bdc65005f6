"""The command line. ``casetui`` with no command opens the app.

Errors a user can cause are printed as one line on stderr, never as a traceback. Imports
are deferred to the command that needs them so that start-up stays quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date

from casetui import __version__

EXIT_USAGE = 2
EXIT_ERROR = 1


class CliError(Exception):
    """A mistake on the command line, reported in one line."""


def _parse_today(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2026-03-31") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casetui",
        description="Keyboard-driven case management for social-service case managers. "
        "With no command, opens the app on your caseload.",
    )
    parser.add_argument("--version", action="version", version=f"casetui {__version__}")
    parser.add_argument("--db", metavar="PATH", help="database file or SQLAlchemy URL (default: $CASETUI_DB, "
                        "else casetui.db in your user data folder)")
    parser.add_argument("--demo", action="store_true", help="open the app on a throwaway demo caseload")
    parser.add_argument("--today", type=_parse_today, metavar="DATE", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")

    demo = commands.add_parser("demo", help="write a synthetic demo caseload and directory to a database")
    demo.add_argument("--db", dest="cmd_db", metavar="PATH", required=True, help="new database file to write")
    demo.add_argument("--clients", type=int, default=25, help="number of open cases (default 25)")

    commands.add_parser("locate", help="print where casetui keeps its database, settings and logs")
    return parser


def make_app(db_url: str | None = None, *, today: date | None = None, demo: bool = False, worker: str | None = None):
    """Open the database and build the app without running it (tests call this)."""
    from casetui import config
    from casetui.app import CaseApp
    from casetui.data.db import open_database

    database = open_database(db_url or config.resolve_db(None), worker=worker or config.worker_name())
    return CaseApp(database, today=today, demo=demo)


def _demo_database(today: date) -> str:
    import tempfile

    folder = tempfile.mkdtemp(prefix="casetui-demo-")
    path = os.path.join(folder, "demo.db")
    write_demo_file(path, today)
    return path


def write_demo_file(target: str, today: date, clients: int = 25) -> None:
    from casetui.data import demo
    from casetui.data.db import open_database, to_url, sqlite_path

    path = sqlite_path(to_url(target))
    if path is not None and path.exists() and path.stat().st_size > 0:
        raise CliError(f"{path} already exists; the demo is only written to a new file.")
    database = open_database(target, worker="demo")
    try:
        with database.session() as session:
            demo.write_demo(session, today, clients=clients)
    finally:
        database.dispose()


def cmd_run(args) -> int:
    from casetui import config

    today = args.today or date.today()
    target = _demo_database(today) if args.demo else config.resolve_db(args.db)
    from casetui.data.demo import DEMO_WORKER

    app = make_app(target, today=args.today, demo=args.demo, worker=DEMO_WORKER if args.demo else None)
    app.run()
    return app.return_code or 0


def cmd_demo(args) -> int:
    if args.clients < 1 or args.clients > 100_000:
        raise CliError("--clients must be between 1 and 100000")
    write_demo_file(args.cmd_db, args.today or date.today(), clients=args.clients)
    print(f"Demo caseload written to {args.cmd_db}")
    return 0


def cmd_locate(args) -> int:
    from casetui import config

    print(f"database   {config.resolve_db(args.db)}")
    print(f"data       {config.data_dir()}")
    print(f"documents  {config.documents_dir()}")
    print(f"backups    {config.backups_dir()}")
    print(f"settings   {config.config_dir()}")
    print(f"logs       {config.log_dir()}")
    return 0


COMMANDS = {None: cmd_run, "demo": cmd_demo, "locate": cmd_locate}


def main(argv: list[str] | None = None) -> int:
    # Everything casetui writes (database, backups, documents) is for the owner only.
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    from casetui.data.errors import CasetuiError

    try:
        return COMMANDS[args.command](args)
    except (CliError, CasetuiError) as exc:
        print(f"casetui: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("casetui: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # e.g. a full disk or a missing folder: the path and the system's reason, no traceback
        print(f"casetui: error: {exc.strerror or exc} ({exc.filename or 'file'})", file=sys.stderr)
        return EXIT_ERROR
