"""Operator commands: `chungtay migrate | import-units [FILE] [--official NAME | --all] | merge-units FILE |
create-admin-invite | load-catalogue | backup PATH | restore PATH [--force] | check`, and `users …` /
`invites …` (bot/cli_people.py). From a checkout, `./chungtay …` (the script beside the README) runs them
in the project's virtualenv.

Every failure is one line on stderr saying what to do, and a non-zero exit status: an operator at 2 a.m.
(or a cron mail) should not have to read a traceback, and an exception's message can quote personal data.
CHUNGTAY_TRACEBACK=1 shows the traceback for a developer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

from telegram import Bot

from bot.cli_people import add_commands as add_people_commands
from bot.config import ConfigError, Settings, load_settings
from bot.database import database_location, prepare_database
from bot.domain.catalogue.loader import sync_catalogue
from bot.domain.people.access import create_invite
from bot.domain.units.merges import merge_units
from bot.domain.units.official import import_official_units
from bot.domain.units.tree import UnitImportError, import_units_csv
from bot.ops.backup import BackupError, backup, restore
from bot.ops.health import EXIT_CODES, overall, run_checks
from bot.runtime import Runtime
from bot.sandbox import SANDBOX_BOT_USERNAME
from db.migrate import upgrade_to_head
from db.models import Role, utcnow
from db.queries import get_unit_by_code, list_child_units
from db.session import is_database_unavailable

FAILED = {"backup": "Backup failed", "restore": "Nothing restored", "import-units": "Nothing imported",
          "merge-units": "Nothing merged"}


def _bot_username(settings: Settings) -> str:
    """Ask Telegram (or the configured Bot API server) for the bot's @username."""
    if settings.is_sandbox:
        return SANDBOX_BOT_USERNAME

    async def fetch() -> str:
        bot = Bot(settings.telegram_bot_token, base_url=f"{settings.telegram_api_base_url}/bot")
        async with bot:
            return bot.username

    return asyncio.run(fetch())


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    upgrade_to_head(settings.database_url)
    print("Database is at the newest schema.")
    return 0


def cmd_load_catalogue(settings: Settings, _args: argparse.Namespace) -> int:
    runtime = Runtime.create(settings)
    upgrade_to_head(settings.database_url)
    with runtime.session_factory() as session:
        sync_catalogue(session)
    print("Catalogue loaded.")
    return 0


def cmd_import_units(settings: Settings, args: argparse.Namespace) -> int:
    """A CSV file, or official provinces (`--official NAME`, `--all`) with an optional CSV of villages."""
    if not (args.file or args.official or args.all):
        print("Give a CSV file, --official NAME_OR_CODE or --all.", file=sys.stderr)
        return 2
    runtime = Runtime.create(settings)
    prepare_database(settings.database_url, runtime.session_factory)
    with runtime.session_factory() as session:
        try:
            if args.official or args.all:
                report = import_official_units(session, args.official or [], everything=args.all,
                                               extra=Path(args.file) if args.file else None, under=args.under)
            else:
                report = import_units_csv(session, Path(args.file))
        except UnitImportError as exc:
            print("Nothing imported:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
    for move in report.moves:
        print(move.describe())
    print(f"Units imported: {report.created} created, {report.updated} updated, {report.moved} moved.")
    return 0


def cmd_merge_units(settings: Settings, args: argparse.Namespace) -> int:
    runtime = Runtime.create(settings)
    prepare_database(settings.database_url, runtime.session_factory)
    with runtime.session_factory() as session:
        try:
            report = merge_units(session, Path(args.file))
        except UnitImportError as exc:
            print("Nothing merged:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
    for old, new in report.merged:
        print(f"merged: {old} into {new}")
    for old in report.already:
        print(f"already merged: {old}")
    print(f"Units merged: {len(report.merged)}; moved {report.records} records, {report.households} households "
          f"({report.households_renamed} renamed), {report.people} people, {report.invites} open invites, "
          f"{report.periods} periods, {report.targets} targets, {report.units_moved} units under them.")
    return 0


def cmd_create_admin_invite(settings: Settings, args: argparse.Namespace) -> int:
    runtime = Runtime.create(settings)
    prepare_database(settings.database_url, runtime.session_factory)
    with runtime.session_factory() as session:
        if args.unit:
            unit = get_unit_by_code(session, code=args.unit)
        else:
            roots = list_child_units(session, parent_id=None)
            unit = roots[0] if len(roots) == 1 else None
        if unit is None or unit.id is None:
            print("Give --unit CODE (import the unit tree first with import-units).", file=sys.stderr)
            return 1
        invite = create_invite(session, inviter=None, role=Role.ADMIN, unit_id=unit.id, organisation_id=None,
                               ttl=timedelta(hours=args.hours), now=runtime.clock())
    print(f"https://t.me/{_bot_username(settings)}?start={invite.token}")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    try:
        written = backup(settings.database_url, Path(args.path))
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backup written to {written}")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    try:
        restore(settings.database_url, Path(args.path), force=args.force)
    except BackupError as exc:
        print(f"Nothing restored: {exc}", file=sys.stderr)
        return 1
    print(f"Database restored from {args.path}. Start the bot: it upgrades the schema if the backup is older.")
    return 0


def cmd_check(settings: Settings, _args: argparse.Namespace) -> int:
    """One line per check; exit code 0 ok, 1 failing, 2 degraded (see bot/ops/health.py)."""
    results = run_checks(settings, now=utcnow())
    for result in results:
        print(result.line())
    return EXIT_CODES[overall(results)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chungtay", description="Chung Tay operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database schema to the newest migration")
    sub.add_parser("load-catalogue", help="load db/seed/catalogue.toml into the database")
    units = sub.add_parser("import-units", help="create/update units from a code,name,kind,parent_code CSV, "
                                                 "or official provinces and their communes")
    units.add_argument("file", nargs="?", help="CSV file (with --official/--all: villages under official codes)")
    units.add_argument("--official", action="append", metavar="NAME_OR_CODE",
                       help='an official province by name or code ("Lạng Sơn", "lang son", "20"); repeatable')
    units.add_argument("--all", action="store_true", help="every official province and commune of the country")
    units.add_argument("--under", metavar="CODE", help="put the official provinces under this unit (e.g. a country)")
    merge = sub.add_parser("merge-units", help="merge units from an old_code,new_code,effective_date CSV")
    merge.add_argument("file")
    admin = sub.add_parser("create-admin-invite", help="print a single-use deep link for the first admin")
    admin.add_argument("--unit", help="code of the admin's unit (default: the only root unit)")
    admin.add_argument("--hours", type=int, default=72, help="hours until the link expires")
    backup = sub.add_parser("backup", help="write a backup of the database (SQLite file or pg_dump archive)")
    backup.add_argument("path", help="backup file, or a directory for a time-stamped file in it")
    restore = sub.add_parser("restore", help="replace the database's content with a backup (stop the bot first)")
    restore.add_argument("path")
    restore.add_argument("--force", action="store_true", help="overwrite a database that already holds data")
    sub.add_parser("check", help="health checks, one line each; exit code 0 ok, 1 failing, 2 degraded")
    people_commands = add_people_commands(sub)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1 if args.command == "check" else 2  # for check, 2 means "degraded"
    handler = {"migrate": cmd_migrate, "load-catalogue": cmd_load_catalogue, "import-units": cmd_import_units,
               "merge-units": cmd_merge_units,
               "create-admin-invite": cmd_create_admin_invite, "backup": cmd_backup, "restore": cmd_restore,
               "check": cmd_check, **people_commands}[args.command]
    try:
        return handler(settings, args)
    except Exception as exc:
        if os.environ.get("CHUNGTAY_TRACEBACK"):
            raise
        print(failure_line(args.command, settings.database_url, exc), file=sys.stderr)
        return 1


def failure_line(command: str, database_url: str, exc: BaseException) -> str:
    """One line for an unexpected failure: what went wrong (the exception's type, never its message, which
    may quote rows) and what to do about it."""
    what = FAILED.get(command, f"chungtay {command} failed")
    if is_database_unavailable(exc):
        return (f"{what}: cannot open the database at {database_location(database_url)} ({type(exc).__name__}). "
                "Check DATABASE_URL, that the database server is running and that the database exists "
                "(PostgreSQL: createdb), then run the command again.")
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return (f"{what}: {exc.strerror or type(exc).__name__}:{where}. Check that the path exists and that this "
                f"user (uid {os.getuid()}) may write there.")
    return (f"{what} ({type(exc).__name__}). Check DATABASE_URL and the command's arguments; "
            "CHUNGTAY_TRACEBACK=1 shows the traceback.")


if __name__ == "__main__":
    raise SystemExit(main())
