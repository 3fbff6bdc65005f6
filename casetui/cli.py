"""The command line. ``casetui`` with no command opens the app.

Errors a user can cause are printed as one line on stderr, never as a traceback. Imports
are deferred to the command that needs them so that start-up stays quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime
from pathlib import Path

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
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="database file or SQLAlchemy URL (default: $CASETUI_DB, else casetui.db in your user data folder)",
    )
    parser.add_argument("--demo", action="store_true", help="open the app on a throwaway demo caseload")
    parser.add_argument("--today", type=_parse_today, metavar="DATE", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")

    demo = commands.add_parser("demo", help="write a synthetic demo caseload and directory to a database")
    demo.add_argument("--db", dest="cmd_db", metavar="PATH", required=True, help="new database file to write")
    demo.add_argument("--clients", type=int, default=25, help="number of open cases (default 25)")

    commands.add_parser("locate", help="print where casetui keeps its database, settings and logs")
    copy = commands.add_parser(
        "copy",
        help="copy a whole database into a new, empty one, verified (SQLite file <-> PostgreSQL URL)",
        description="Copy every table of SOURCE into DEST, parents first, in one transaction; "
        "each table's row count and checksum are compared before it commits. SOURCE and DEST are "
        "database files or URLs such as postgresql://user@host/agency; DEST must be a new file or an "
        "empty database.",
    )
    copy.add_argument("source", metavar="SOURCE")
    copy.add_argument("dest", metavar="DEST")
    _add_safekeeping_commands(commands)
    resources = commands.add_parser(
        "resources", help="import, export or search the resource directory (Open Referral HSDS)"
    )
    actions = resources.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in (
        ("import", "read an HSDS folder of CSV files or a JSON file (re-import updates by id)"),
        ("export", "write the directory as HSDS 3.0 CSV to a folder"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("path", metavar="PATH")
        action.add_argument("--db", dest="cmd_db", metavar="PATH", help="database file (default as for the app)")
    _add_resources_search(actions)
    _add_agenda_commands(commands)
    return parser


def _add_resources_search(actions) -> None:
    search = actions.add_parser(
        "search",
        help="search the directory, ranked as the screen ranks it, with eligibility and reasons",
        description="Search the resource directory as the directory screen does. --age, --language and "
        "--population describe the person being helped (results are judged for them as for a client with "
        "those details); --client ID takes them from a client's record.",
    )
    search.add_argument("words", nargs="*", metavar="WORDS", help="what to look for (none: browse by the filters)")
    search.add_argument("--need", metavar="N", help="a need category (" + ", ".join(_need_codes()) + ")")
    search.add_argument("--age", metavar="N", help="the person's age in whole years")
    search.add_argument("--language", metavar="L", help="the person's language, a name or a tag (Spanish, es, hmn)")
    search.add_argument("--population", metavar="P", action="append", help="a population the person is among")
    search.add_argument("--client", metavar="ID", type=int, help="judge eligibility for this client's record")
    search.add_argument("--near", metavar="POSTAL", help="nearest first, from this US ZIP code")
    search.add_argument("--open-now", action="store_true", help="only services open now (their hours as data)")
    search.add_argument("--limit", metavar="N", type=int, default=20, help="at most N results (default 20)")
    search.add_argument("--json", action="store_true", help="print a JSON list in rank order")
    search.add_argument("--db", dest="cmd_db", metavar="PATH", help="database file (default as for the app)")


def _need_codes() -> list[str]:
    from casetui.data.domain import vocab

    return list(vocab.DOMAINS)


def _add_agenda_commands(commands) -> None:
    """calendar export and agenda: the worker's appointments for a calendar, or as text."""
    calendar = commands.add_parser(
        "calendar",
        help="write your appointments as an iCalendar file (.ics) for Outlook, Google Calendar or Thunderbird",
        description="Write the worker's appointments from today as iCalendar: one event per appointment (a "
        "recurring one with its rule), each with a stable UID so importing again updates it. An event names "
        "only the client's initials and the case number unless --full-names is given: calendars sync to "
        "phones and clouds.",
    )
    calendar.add_argument("action", choices=["export"])
    calendar.add_argument("path", metavar="FILE.ics")
    calendar.add_argument("--days", type=int, default=90, metavar="N", help="from today, N days (default 90)")
    calendar.add_argument(
        "--full-names", action="store_true", help="write clients' full names, places and purposes into the events"
    )
    calendar.add_argument("--worker", metavar="NAME", help="whose appointments (default: you)")
    calendar.add_argument("--db", dest="cmd_db", metavar="PATH", help="database file (default as for the app)")
    agenda = commands.add_parser("agenda", help="print the agenda (appointments, tasks, what is due) as plain text")
    agenda.add_argument("--date", type=_parse_today, metavar="DATE", help="the first day (default: today)")
    agenda.add_argument("--days", type=int, default=1, metavar="N", help="how many days (default 1)")
    agenda.add_argument("--worker", metavar="NAME", help="whose agenda (default: you)")
    agenda.add_argument("--db", dest="cmd_db", metavar="PATH", help="database file (default as for the app)")


def _add_safekeeping_commands(commands) -> None:
    """backup, restore, encrypt, export, import: each also takes --db after the command."""

    def add(name, help_text):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--db", dest="cmd_db", metavar="PATH", help="database file (default as for the app)")
        return command

    add("backup", "copy the database safely, even while casetui is open").add_argument(
        "dest", nargs="?", metavar="DEST", help="file or folder (default: the backups folder)"
    )
    restore = add("restore", "replace the database with a verified backup (the replaced file is kept)")
    restore.add_argument("file", metavar="FILE")
    restore.add_argument(
        "--allow-plaintext",
        action="store_true",
        help="restore an unencrypted backup over an encrypted database (it is then unencrypted)",
    )
    encrypt = add(
        "encrypt",
        "encrypt the database file in place with a passphrase, and the backups casetui keeps of it "
        "(needs casetui[encryption])",
    )
    encrypt.add_argument("--plain-copy", metavar="PATH", help="also keep an unencrypted copy here (you asked for it)")
    encrypt.add_argument(
        "--remove-plain-copies",
        action="store_true",
        help="delete casetui's unencrypted backups of the database instead of encrypting them",
    )
    export = add("export", "write clients' full records to a JSON file")
    export.add_argument("--format", choices=["json"], default="json")
    export.add_argument("--client", type=int, metavar="ID", help="only this client (default: every client)")
    export.add_argument("path", metavar="PATH")
    add("import", "add the clients of a casetui JSON export as new clients").add_argument("path", metavar="PATH")


def make_app(
    db_url: str | None = None,
    *,
    today: date | None = None,
    demo: bool = False,
    worker: str | None = None,
    passphrase: str | None = None,
    auto_backup: bool = False,
    create: bool = False,
):
    """Open the database and build the app without running it (tests call this); ``create``:
    a missing or empty file becomes a new database.

    An encrypted file needs its passphrase: given, or $CASETUI_PASSPHRASE, or typed at a prompt.
    """
    from casetui import config
    from casetui.app import CaseApp

    target = db_url or config.resolve_db(None)
    database = _open(target, passphrase, worker=worker or config.worker_name(), create=create)
    if auto_backup:
        _auto_backup(database, today or date.today())
    return CaseApp(database, today=today, demo=demo)


def start_app(target: str, today: date | None = None, *, create: bool = False):
    """The app on ``target`` as ``casetui`` starts it; ``create``: a missing or empty file
    becomes a new database (the first run, at the default place), and says so.

    A current, plain casetui file (the usual case) is inspected and its most urgent rows read
    with stdlib sqlite3 (``caseload.first_caseload``), so the first frame shows them while
    SQLAlchemy has not even been imported; the app opens the database after that frame. Any other
    file is opened (a passphrase asked for, an older schema backed up and migrated) before the
    app is built, or refused with its one-line message: no screen, so no client data, shows.
    """
    from casetui import config

    worker = config.worker_name()
    day = today or date.today()
    if "://" not in target:
        from casetui.data.services import caseload
        from casetui.data.storage import files

        state, first = caseload.first_caseload(target, day, worker=worker)
        if first is not None:
            from casetui.app import CaseApp

            def open_database():
                database = _open(target, worker=worker)
                _auto_backup(database, day)
                return database

            return CaseApp(open_database, worker=worker, today=today, first_caseload=first)
        if state.kind != files.Kind.ENCRYPTED:
            state.require(create=create)  # the file's own message, or an older file to migrate
    app = make_app(target, today=today, worker=worker, auto_backup=True, create=create)
    if app.database.created:
        print(f"Created a new casetui database at {app.database.path}")
    return app


PASSPHRASE_ENV = "CASETUI_PASSPHRASE"


def _passphrase(target: str, given: str | None = None, *, confirm: bool = False) -> str | None:
    """The passphrase for an encrypted file (None for a plain one); prompts only at a terminal."""
    from casetui.data.storage import files
    from casetui.data.storage.database import sqlite_path, to_url

    path = sqlite_path(to_url(target))
    chosen = given or os.environ.get(PASSPHRASE_ENV)
    if chosen or path is None or not (confirm or files.inspect(path).kind == files.Kind.ENCRYPTED):
        return chosen
    if not sys.stdin.isatty():
        return None  # the file is then refused as encrypted, with how to give the passphrase
    import getpass

    chosen = getpass.getpass(f"Passphrase for {path.name}: ")
    if confirm and getpass.getpass("Type it again: ") != chosen:
        raise CliError("The two passphrases differ; nothing was changed.")
    return chosen


def _open(target: str, passphrase: str | None = None, *, worker: str | None = None, create: bool = False):
    """The database at ``target``, opened only if it exists (``create``: or made new)."""
    from casetui import config
    from casetui.data.storage.database import open_database

    return open_database(
        target, worker=worker or config.worker_name(), passphrase=_passphrase(target, passphrase), create=create
    )


def _auto_backup(database, today: date) -> None:
    """Today's automatic backup, at most once a day, keeping the newest ``backup_count``."""
    from casetui import config
    from casetui.data.domain.errors import CasetuiError
    from casetui.data.services import settings
    from casetui.data.storage import backup

    if database.path is None:
        return
    with database.transaction() as session:
        keep = settings.get_int(session, "backup_count")
    passphrase = _passphrase(str(database.path)) if database.encrypted else None
    try:
        backup.auto_backup(database.path, config.backups_dir(), keep=keep, today=today, passphrase=passphrase)
    except (CasetuiError, OSError) as exc:  # the app still opens; the worker is told once
        print(f"casetui: warning: automatic backup failed: {exc}", file=sys.stderr)


def _demo_database(today: date) -> str:
    import tempfile

    folder = tempfile.mkdtemp(prefix="casetui-demo-")
    path = os.path.join(folder, "demo.db")
    write_demo_file(path, today)
    return path


def make_demo_app(today: date | None):
    """The app on a new throwaway demo caseload, whose documents stay in its throwaway folder."""
    from casetui import config
    from casetui.data.services.demo import DEMO_WORKER

    target = _demo_database(today or date.today())
    config.use_documents_dir(Path(target).parent / "documents")
    return make_app(target, today=today, demo=True, worker=DEMO_WORKER)


def write_demo_file(target: str, today: date, clients: int = 25) -> str:
    """A new database at ``target`` holding the synthetic demo caseload; where it was written."""
    from casetui.data.services import demo
    from casetui.data.storage import files
    from casetui.data.storage.database import describe, open_database, sqlite_path, to_url

    path = sqlite_path(to_url(target))
    if path is not None and not files.inspect(path).new:
        raise CliError(f"{path} already exists; the demo is only written to a new file.")
    database = open_database(target, worker="demo", create=True)
    try:
        with database.transaction() as session:
            demo.write_demo(session, today, clients=clients)
    finally:
        database.dispose()
    return describe(target)


def cmd_run(args) -> int:
    from casetui import config

    if args.demo:
        app = make_demo_app(args.today)
    else:
        target = config.resolve_db(args.db)
        # Only the first run creates a database, and only in casetui's own folder: a --db or
        # CASETUI_DB naming a missing file is a mistake to report, not a new caseload.
        app = start_app(target, args.today, create=target == str(config.default_db_path()))
    app.run()
    if app.startup_error:  # the database behind the first screen could not be opened after all
        print(f"casetui: error: {app.startup_error}", file=sys.stderr)
        return EXIT_ERROR
    return app.return_code or 0


def cmd_demo(args) -> int:
    if args.clients < 1 or args.clients > 100_000:
        raise CliError("--clients must be between 1 and 100000")
    where = write_demo_file(args.cmd_db, args.today or date.today(), clients=args.clients)
    print(f"Created a new casetui database at {where} with a synthetic demo caseload ({args.clients} open cases).")
    return 0


def cmd_locate(args) -> int:
    from casetui import config
    from casetui.data.storage.database import describe

    print(f"database   {describe(config.resolve_db(args.db))}")
    print(f"data       {config.data_dir()}")
    print(f"documents  {config.documents_dir()}")
    print(f"backups    {config.backups_dir()}")
    print(f"settings   {config.config_dir()}")
    print(f"logs       {config.log_dir()}")
    return 0


def _file_of(args):
    from casetui import config
    from casetui.data.storage.database import sqlite_path, to_url

    target = args.cmd_db or config.resolve_db(args.db)
    path = sqlite_path(to_url(target))
    if path is None:
        raise CliError("This works on a database file; an agency server is backed up by its own tools (pg_dump).")
    return target, path


def cmd_backup(args) -> int:
    from casetui import config
    from casetui.data.storage import backup

    target, path = _file_of(args)
    dest = backup.backup_file(path, args.dest or config.backups_dir(), _passphrase(target))
    print(f"Backup written to {dest}")
    return 0


def cmd_restore(args) -> int:
    from casetui import config
    from casetui.data.storage import backup

    _target, path = _file_of(args)
    kept = backup.restore(
        args.file,
        path,
        config.backups_dir(),
        passphrase=_passphrase(args.file),
        allow_plaintext=args.allow_plaintext,
    )
    print(f"Restored {path} from {args.file}" + (f"; the replaced file is kept as {kept}" if kept else ""))
    return 0


def cmd_encrypt(args) -> int:
    """Encrypt the file, then every copy casetui keeps of it; run again on an encrypted file, it
    finishes the copies an interrupted or refused run left."""
    from casetui import config
    from casetui.data.storage import backup, files
    from casetui.data.storage import sqlcipher as crypto

    if not crypto.available():
        raise CliError(f"SQLCipher is not installed. {crypto.INSTALL_HINT}")
    target, path = _file_of(args)
    state = files.inspect(path)
    folder = config.backups_dir()
    exclude = [args.plain_copy] if args.plain_copy else []
    if state.kind == files.Kind.ENCRYPTED:
        copies = backup.plaintext_copies(path, folder, exclude=exclude)
        if not copies:
            raise CliError(f"{path} is already encrypted, and so is every copy casetui keeps. Nothing was changed.")
        passphrase = _passphrase(target) or ""
        files.inspect(path, passphrase).require()  # the passphrase the copies get must be the file's
    else:
        state.require()  # a missing, empty or foreign file is named before a passphrase is asked for
        passphrase = _passphrase(target, confirm=True) or ""
        counts = backup.encrypt_file(path, passphrase, plain_copy=args.plain_copy)
        print(
            f"Encrypted {path} ({sum(counts.values())} rows checked). Keep the passphrase safe: it cannot be recovered."
        )
    done, left = backup.encrypt_copies(path, passphrase, folder, remove=args.remove_plain_copies, exclude=exclude)
    if done:
        verb = "Removed" if args.remove_plain_copies else "Encrypted"
        print(
            f"{verb} {len(done)} unencrypted cop{'y' if len(done) == 1 else 'ies'} casetui kept: "
            + ", ".join(map(str, done))
        )
    if left and sys.stdin.isatty():
        names = ", ".join(map(str, left))
        answer = input(
            f"These copies cannot be encrypted (damaged?) and hold unencrypted data: {names}. Delete them? [y/N] "
        )
        if answer.strip().lower() in ("y", "yes"):
            backup.encrypt_copies(path, passphrase, folder, remove=True, exclude=exclude)
            print(f"Removed {len(left)} unencrypted cop{'y' if len(left) == 1 else 'ies'}.")
            left = []
    if left:
        raise CliError(
            f"{len(left)} unencrypted cop{'y' if len(left) == 1 else 'ies'} could not be encrypted (damaged?): "
            + ", ".join(map(str, left))
            + ". Delete them with 'casetui encrypt --remove-plain-copies'."
        )
    return 0


def cmd_export(args) -> int:
    from casetui import config
    from casetui.data.services import portability

    database = _open(args.cmd_db or config.resolve_db(args.db))
    try:
        with database.transaction() as session:
            data = portability.export_data(session, args.client)
    finally:
        database.dispose()
    portability.write_json(data, args.path)
    print(f"Exported {len(data['clients'])} client(s) to {args.path}")
    return 0


def cmd_import(args) -> int:
    from casetui import config
    from casetui.data.services import portability

    data = portability.read_json(args.path)
    database = _open(args.cmd_db or config.resolve_db(args.db))
    try:
        with database.transaction() as session:
            new_ids = portability.import_data(session, data, args.today or date.today())
    finally:
        database.dispose()
    print(f"Imported {len(new_ids)} client(s) as new clients")
    return 0


def cmd_copy(args) -> int:
    from casetui.data.storage import copy
    from casetui.data.storage.database import describe, open_database, sqlite_path, to_url

    dest_path = sqlite_path(to_url(args.dest))
    source = open_database(args.source, worker="copy", create=False, passphrase=_passphrase(args.source))
    try:
        if dest_path is not None:
            results = copy.copy_to_file(source, dest_path)
        else:
            dest = open_database(args.dest, worker="copy", create=True)
            try:
                results = copy.copy_database(source, dest)
            finally:
                dest.dispose()
    finally:
        source.dispose()
    if dest_path is not None:
        print(f"Created a new casetui database at {dest_path}")
    print(f"Copied {copy.describe(source)} to {describe(args.dest)}:")
    for result in results:
        print(f"  {result.table:<22} {result.dest_rows:>9} rows")
    total = sum(result.dest_rows for result in results)
    print(f"Verified: every table has the same row count and checksum in both databases ({total} rows).")
    return 0


def cmd_resources(args) -> int:
    from casetui import config
    from casetui.data.directory import hsds

    if args.action == "search":
        return _resources_search(args)
    database = _open(args.cmd_db or config.resolve_db(args.db))
    try:
        with database.transaction() as session:
            if args.action == "export":
                counts = hsds.export_package(session, args.path)
                print(
                    f"Exported {counts['services']} services, {counts['organizations']} organizations and "
                    f"{counts['locations']} locations to {args.path}"
                )
                return 0
        try:
            with database.transaction() as session:  # a refused import rolls back whole
                report = hsds.import_package(session, args.path, args.today or date.today())
        except hsds.HsdsImportError as exc:
            for line in exc.report.lines():
                print(f"casetui: {line}", file=sys.stderr)
            print(f"casetui: error: {exc.report.summary()}", file=sys.stderr)
            return EXIT_ERROR
    finally:
        database.dispose()
    for line in report.lines():
        print(f"casetui: {line}", file=sys.stderr)
    print(report.summary())
    return 0


def _days(value: int, most: int) -> int:
    if not 1 <= value <= most:
        raise CliError(f"--days must be from 1 to {most}.")
    return value


def cmd_calendar(args) -> int:
    from casetui import config
    from casetui.data.services import calendar_ics
    from casetui.data.storage import files

    days = _days(args.days, 731)
    if not args.path.lower().endswith(".ics"):
        raise CliError(f"{args.path} should end in .ics, so calendars recognise it.")
    database = _open(args.cmd_db or config.resolve_db(args.db))
    try:
        worker = args.worker or database.worker
        with database.transaction() as session:
            data, count = calendar_ics.export_calendar(
                session, worker, args.today or date.today(), days=days, full_names=args.full_names
            )
    finally:
        database.dispose()
    files.private_write(args.path, data)
    names = "with full names" if args.full_names else "with initials and case numbers only"
    print(f"Wrote {count} event{'' if count == 1 else 's'} for {worker} ({names}) to {args.path}")
    return 0


def cmd_agenda(args) -> int:
    from casetui import config
    from casetui.data.services import agenda

    days = _days(args.days, 31)
    today = args.today or date.today()
    database = _open(args.cmd_db or config.resolve_db(args.db))
    try:
        worker = args.worker or database.worker
        with database.transaction() as session:
            text = agenda.as_text(session, worker, args.date or today, today, days=days)
    finally:
        database.dispose()
    print(f"Agenda for {worker}\n")
    print(text, end="")
    return 0


def _resources_search(args) -> int:
    """``casetui resources search``: the screen's search and ranking, printed."""
    import json

    from casetui import config
    from casetui.data.directory import resources
    from casetui.data.domain import vocab
    from casetui.data.domain.errors import ValidationError

    today = args.today or date.today()
    bad = [p for p in args.population or [] if p not in vocab.POPULATIONS]
    if bad:
        raise ValidationError("population", f"Unknown population '{bad[0]}' (one of {', '.join(vocab.POPULATIONS)}).")
    if args.limit < 1:
        raise ValidationError("limit", "--limit must be at least 1.")
    database = _open(args.cmd_db or config.resolve_db(args.db))
    try:
        with database.transaction() as session:
            profile = None
            if args.client is not None:
                profile = resources.profile_for_client(session, args.client, today)
            if args.age is not None or args.language or args.population:
                profile = profile or resources.ClientProfile()
                resources.check_age(args.age)
                if args.age is not None:
                    profile.age = int(args.age)
                if args.language:
                    profile.language = args.language
                profile.populations = list(dict.fromkeys((profile.populations or []) + (args.population or [])))
            filters = resources.SearchFilters(
                category=args.need,
                near=args.near,
                sort="distance" if args.near else "relevance",
                open_at=datetime.combine(today, datetime.now().time()) if args.open_now else None,
            )
            hits = resources.search(
                session, " ".join(args.words), filters, profile=profile, today=today, limit=args.limit
            )
    finally:
        database.dispose()
    if args.json:
        print(json.dumps([_hit_json(hit) for hit in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("No matches.")
        return 0
    verdicts = {True: "eligible", False: "not eligible", None: "check eligibility"}
    for rank, hit in enumerate(hits, start=1):
        place = f" · {hit.city or hit.postal_code}" if hit.city or hit.postal_code else ""
        place += f" · {hit.distance_miles:.1f} mi" if hit.distance_miles is not None else ""
        place += f" · today {hit.hours_today}" if hit.hours_today else ""
        print(f"{rank}. {hit.name} — {hit.organization}{place} [{hit.id}]")
        if profile is not None:
            reasons = "; ".join(("warning: " if c.warning else "") + c.reason for c in hit.eligibility)
            print(f"   {verdicts[hit.eligible]}" + (f": {reasons}" if reasons else ": no limits stated"))
    return 0


def _hit_json(hit) -> dict:
    return {
        "id": hit.id,
        "name": hit.name,
        "organization": hit.organization,
        "eligible": hit.eligible,
        "reasons": [
            {"criterion": c.criterion, "ok": c.ok, "warning": c.warning, "reason": c.reason} for c in hit.eligibility
        ],
        "categories": hit.categories,
        "city": hit.city,
        "postal_code": hit.postal_code,
        "phone": hit.phone,
        "last_verified_on": hit.last_verified_on.isoformat() if hit.last_verified_on else None,
        "score": round(hit.score, 3),
        "distance_miles": None if hit.distance_miles is None else round(hit.distance_miles, 2),
        "hours_today": hit.hours_today,
    }


COMMANDS = {
    None: cmd_run,
    "calendar": cmd_calendar,
    "agenda": cmd_agenda,
    "demo": cmd_demo,
    "locate": cmd_locate,
    "copy": cmd_copy,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "encrypt": cmd_encrypt,
    "export": cmd_export,
    "import": cmd_import,
    "resources": cmd_resources,
}


def main(argv: list[str] | None = None) -> int:
    # Everything casetui writes (database, backups, documents) is for the owner only.
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    from casetui.data.domain.errors import CasetuiError

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
    except Exception as exc:
        # Any other message may quote client data: say what kind of failure, never its text.
        if os.environ.get("CASETUI_DEBUG"):
            raise
        print(f"casetui: error: {_plain_failure(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _plain_failure(exc: Exception) -> str:
    import traceback

    from casetui.data.storage.database import _plain_reason

    reason = _plain_reason(exc)
    if reason and "sqlalchemy" in type(exc).__module__:
        return f"the database {reason}. The change was not saved."
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""
    return (
        f"unexpected {type(exc).__name__}{where}; the change was not saved. Details are hidden because "
        "they may hold client data (CASETUI_DEBUG=1 shows them)."
    )
