"""`chungtay backup` / `chungtay restore` on the test's own backend (SQLite or PostgreSQL): a populated
database survives the round trip into an empty one; restore refuses data it would overwrite and files of
the wrong kind; the PostgreSQL password never reaches a command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from bot.cli import main
from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.records.actions import Draft, save_draft
from bot.ops import backup as backup_module
from bot.ops.backup import file_kind, pg_environment
from db.models import Role, SupportAction, Unit, User
from db.queries import get_unit_by_code
from db.session import SessionFactory, make_engine
from tests.support.databases import DatabaseFactory

CATALOGUE = load_catalogue_file()


def _populate(session: Session) -> None:
    """Officers of two units and their records, one of them naming a household."""
    for telegram_id, code in ((7001, "GL-KP-IARSAI"), (7002, "GL-KP-CHUGU")):
        unit = get_unit_by_code(session, code=code)
        assert unit is not None
        user = User(telegram_id=telegram_id, display_name=f"Cán bộ {telegram_id}", role=Role.REPORTER,
                    unit_id=unit.id or 0)
        session.add(user)
        session.commit()
        save_draft(session, draft=Draft(category="rice", households=45, persons=108, quantity="5410",
                                        value_dong=81_150_000), author=user, catalogue=CATALOGUE,
                   today=date(2026, 11, 23))
        save_draft(session, draft=Draft(category="gift", households=1, quantity="1", value_dong=500_000,
                                        household_name="Nguyễn Văn A", household_village="thôn 3"),
                   author=user, catalogue=CATALOGUE, today=date(2026, 11, 24))


def _snapshot(database_url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(database_url)
    with SessionFactory(engine)() as session:
        snapshot = {
            "units": [(u.code, u.name, u.parent_id) for u in session.exec(select(Unit).order_by(col(Unit.id)))],
            "users": [(u.id, u.telegram_id, u.display_name, u.unit_id)
                      for u in session.exec(select(User).order_by(col(User.id)))],
            "actions": [(a.id, a.author_id, a.households, a.quantity, a.value_dong, a.household_name, a.action_date)
                        for a in session.exec(select(SupportAction).order_by(col(SupportAction.id)))],
        }
    engine.dispose()
    return snapshot


def test_a_populated_database_round_trips_into_an_empty_one(
        database_url: str, database_factory: DatabaseFactory, session: Session, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _populate(session)
    before = _snapshot(database_url)
    assert len(before["users"]) == 2 and len(before["actions"]) == 4 and len(before["units"]) > 10

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["backup", str(tmp_path)]) == 0
    [written] = list(tmp_path.iterdir())
    assert str(written) in capsys.readouterr().out
    assert file_kind(written) == database_factory.kind
    assert written.stat().st_mode & 0o077 == 0, "a backup holds personal data: owner-only"

    with database_factory.empty() as target:
        monkeypatch.setenv("DATABASE_URL", target)
        assert main(["restore", str(written)]) == 0
        assert _snapshot(target) == before
        assert main(["check"]) == 0  # at the newest migration, and usable
        assert "database  OK" in capsys.readouterr().out

        engine = make_engine(target)  # ids go on after the restored ones (PostgreSQL sequences restored)
        with SessionFactory(engine)() as restored:
            parent = restored.exec(select(Unit).where(Unit.code == "GL-KP")).one()
            unit = Unit(code="NEW-1", name="Xã mới", kind="commune", parent_id=parent.id, depth=parent.depth + 1)
            restored.add(unit)
            restored.commit()
            assert (unit.id or 0) > max(row.id or 0 for row in restored.exec(select(Unit).where(Unit.code != "NEW-1")))
        engine.dispose()

        capsys.readouterr()
        assert main(["restore", str(written)]) == 1
        assert "already holds data; give --force" in capsys.readouterr().err
        assert main(["restore", "--force", str(written)]) == 0
        assert _snapshot(target) == before, "--force puts the backup's content back (the new unit is gone)"


def test_backup_while_a_writer_holds_an_open_transaction(database_url: str, session: Session, tmp_path: Path,
                                                         database_factory: DatabaseFactory) -> None:
    """The bot keeps running during a backup: committed rows are in it, a half-done transaction is not."""
    _populate(session)
    engine = make_engine(database_url)
    with engine.connect() as writer:
        writer.execute(text("UPDATE app_user SET display_name = 'uncommitted' WHERE telegram_id = 7001"))
        written = backup_module.backup(database_url, tmp_path / "during.bak")
        writer.rollback()
    engine.dispose()
    with database_factory.empty() as target:
        backup_module.restore(target, written)
        names = {row[2] for row in _snapshot(target)["users"]}
    assert names == {"Cán bộ 7001", "Cán bộ 7002"}


def test_restore_refuses_files_of_the_wrong_kind(database_url: str, database_factory: DatabaseFactory,
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    other = b"PGDMP\x01\x0e" if database_factory.kind == "sqlite" else b"SQLite format 3\x00rest"
    wrong_backend = tmp_path / "other.bak"
    wrong_backend.write_bytes(other + b"\x00" * 100)
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a backup", encoding="utf-8")
    with database_factory.empty() as target:
        monkeypatch.setenv("DATABASE_URL", target)
        assert main(["restore", "--force", str(wrong_backend)]) == 1
        assert f"but DATABASE_URL is a {database_factory.kind} database" in capsys.readouterr().err
        assert main(["restore", "--force", str(garbage)]) == 1
        assert "neither a SQLite backup nor a pg_dump" in capsys.readouterr().err
        assert main(["restore", str(tmp_path / "missing.bak")]) == 1
        assert "no backup file" in capsys.readouterr().err


def test_postgresql_tools_get_the_connection_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    url = "postgresql+psycopg://chungtay:p%40ss-w0rd@db.internal:6543/chungtay?sslmode=require"
    env = pg_environment(url)
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"], env["PGSSLMODE"]) \
        == ("db.internal", "6543", "chungtay", "p@ss-w0rd", "chungtay", "require")
    seen: list[tuple[list[str], dict[str, str]]] = []

    class Done:
        returncode, stdout, stderr = 0, "", ""

    def fake_run(command: list[str], *, env: dict[str, str], **_kwargs: object) -> Done:
        seen.append((command, env))
        return Done()

    monkeypatch.setattr(backup_module.subprocess, "run", fake_run)
    monkeypatch.setattr(backup_module, "find_pg_tool", lambda name: f"/usr/bin/{name}")
    backup_module.backup(url, tmp_path / "x.dump")
    [(command, passed_env)] = seen
    assert command[0] == "/usr/bin/pg_dump" and "--format=custom" in command
    assert not any("p@ss" in part or "p%40ss" in part for part in command)
    assert passed_env["PGPASSWORD"] == "p@ss-w0rd"
