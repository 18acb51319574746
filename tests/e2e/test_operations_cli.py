"""The operator's commands as an operator runs them: `./chungtay …` (the script beside the README) in a
subprocess, on the test's own backend. Every failure is one line saying what to do and a non-zero exit,
never a traceback; the data stays as it was; files holding personal data are the owner's only."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.sandbox.fake_api import FakeTelegram
from db.models import Role, Unit, User
from db.queries import get_unit_by_code
from db.session import make_engine
from tests.support.databases import REPO, DatabaseFactory
from tests.support.process import BotProcess

CHUNGTAY = REPO / "chungtay"
# Root may write anywhere; without its capabilities it is held to the folder's permissions like the image's
# user (uid 10001) is, while it can still run the virtualenv's Python (under /root here).
WITHOUT_ROOT_POWERS = ["setpriv", "--bounding-set", "-all", "--inh-caps", "-all", "--"]


def _run(*args: str, database_url: str, powerless: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    """`./chungtay ARGS` with a clean environment (no token: nothing talks to Telegram)."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url, **env}
    prefix = WITHOUT_ROOT_POWERS if powerless and os.geteuid() == 0 else []
    return subprocess.run([*prefix, str(CHUNGTAY), *args], cwd=REPO, env=environment, capture_output=True,
                          text=True, timeout=120, check=False)


def _one_line_failure(result: subprocess.CompletedProcess[str], starts: str) -> str:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(starts), result.stderr
    return lines[0]


def _snapshot(database_url: str) -> list[tuple[object, ...]]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return [(u.code, u.name) for u in session.exec(select(Unit).order_by(Unit.code))] + \
                [(u.telegram_id, u.display_name) for u in session.exec(select(User).order_by(User.telegram_id))]
    finally:
        engine.dispose()


def _with_a_user(session: Session) -> None:
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None and unit.id is not None
    session.add(User(telegram_id=812_000_001, display_name="Nguyễn Thị Bảo Mật", role=Role.REPORTER, unit_id=unit.id))
    session.commit()


# ------------------------------------------------------------------ backups

def test_backup_into_a_folder_the_bot_user_cannot_write_fails_in_one_line(database_url: str) -> None:
    """A fresh Docker volume owned by root while the bot runs as uid 10001: here a folder of another user
    (as root, the command runs without root's powers) or a read-only one (as anyone else)."""
    folder = Path(tempfile.mkdtemp(prefix="chungtay-backups-"))
    try:
        if os.geteuid() == 0:
            os.chown(folder, 65534, 65534)
        folder.chmod(0o755 if os.geteuid() == 0 else 0o555)
        result = _run("backup", str(folder), database_url=database_url, powerless=True)
        line = _one_line_failure(result, "Backup failed: cannot write")
        assert str(folder) in line and "writable by this user (uid" in line
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
        folder.rmdir()


def test_the_image_gives_the_backups_folder_to_the_bot_user() -> None:
    """docker is not available to the tests: what a fresh `backups` volume inherits is read from the
    Dockerfile (the directory, its owner and mode, before the image switches to uid 10001)."""
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "useradd --system --uid 10001 --gid chungtay" in dockerfile
    before_user = dockerfile.split("\nUSER 10001:10001", 1)[0]
    run = [block for block in re.split(r"\n(?=[A-Z]+ )", before_user) if block.startswith("RUN ")][-1]
    assert re.search(r"mkdir -p [^\n&]*/backups", run) and re.search(r"chown chungtay:chungtay [^\n&]*/backups", run)
    assert re.search(r"chmod 0?700 [^\n&]*/backups", run)
    assert "- backups:/backups" in (REPO / "compose.yaml").read_text(encoding="utf-8")


# ------------------------------------------------------------------ restore

def _missing_database(database_url: str, tmp_path: Path) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        blocker = tmp_path / "a-regular-file"
        blocker.write_text("")
        return f"sqlite:///{blocker}/chungtay.sqlite3"
    return url.set(database="chungtay_does_not_exist").render_as_string(hide_password=False)


def test_restore_into_a_database_that_does_not_exist_is_one_line(database_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "good.bak"
    assert _run("backup", str(backup), database_url=database_url).returncode == 0
    _one_line_failure(_run("restore", str(backup), database_url=_missing_database(database_url, tmp_path)),
                      "Nothing restored:")


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_restore_from_a_damaged_backup_is_one_line_and_changes_nothing(
        database_url: str, session: Session, tmp_path: Path, damage: str) -> None:
    _with_a_user(session)
    backup = tmp_path / "good.bak"
    assert _run("backup", str(backup), database_url=database_url).returncode == 0
    content = backup.read_bytes()
    if damage == "truncated":
        broken = content[:len(content) // 2]
    else:  # the header kept (it is recognised as a backup), garbage after it
        broken = content[:100] + bytes(range(256)) * ((len(content) - 100) // 256 + 1)
    damaged = tmp_path / f"{damage}.bak"
    damaged.write_bytes(broken)
    before = _snapshot(database_url)
    _one_line_failure(_run("restore", str(damaged), "--force", database_url=database_url), "Nothing restored:")
    assert _snapshot(database_url) == before


def test_a_restored_sqlite_database_is_private(database_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "good.bak"
    assert _run("backup", str(backup), database_url=database_url).returncode == 0
    if make_url(database_url).get_backend_name() != "sqlite":  # a PostgreSQL restore writes no file here
        return
    target = tmp_path / "restored" / "chungtay.sqlite3"
    result = _run("restore", str(backup), database_url=f"sqlite:///{target}")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


# ------------------------------------------------------------------ check

def test_check_says_which_database_it_checked(database_url: str, tmp_path: Path) -> None:
    url = make_url(database_url)
    result = _run("check", database_url=database_url, SANDBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'sb.sqlite3'}")
    database = result.stdout.splitlines()[0]
    shown = url.database if url.get_backend_name() == "sqlite" else f"{url.host}:{url.port}/{url.database}"
    assert database.split()[:2] == ["database", "OK"] and str(shown) in database, result.stdout
    assert f"the sandbox (no TELEGRAM_BOT_TOKEN) uses SQLite {tmp_path / 'sb.sqlite3'}" in database
    assert (url.password or "no-password-in-url") not in result.stdout


def test_check_with_database_url_under_a_regular_file_is_one_line_per_check(tmp_path: Path) -> None:
    blocker = tmp_path / "a-regular-file"
    blocker.write_text("")
    result = _run("check", database_url=f"sqlite:///{blocker}/chungtay.sqlite3")
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["database", "outbox", "jobs", "bot-api"], result.stdout
    assert "FAILING" in lines[0] and str(blocker) in lines[0] and "DATABASE_URL" in lines[0]


# ------------------------------------------------------------------ files of a running bot

@pytest.fixture
async def bot_on_a_new_sqlite_file(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Path]:
    path = tmp_path / "fresh" / "data" / "chungtay.sqlite3"
    process = BotProcess(fake, f"sqlite:///{path}", log_path=tmp_path / "bot.log")
    await process.start()
    yield path
    await process.kill()


async def test_the_bot_creates_its_sqlite_files_private(bot_on_a_new_sqlite_file: Path) -> None:
    path = bot_on_a_new_sqlite_file
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


# ------------------------------------------------------------------ the operator docs' one form

OPERATOR_DOCS = ("README.md", "docs/operations.md", "docs/UNITS.md")
"""Where an operator reads the commands: the README's summary and the guides it points to."""


def test_the_readme_uses_one_form_of_the_command_that_works_from_a_checkout(
        database_factory: DatabaseFactory) -> None:
    readme = "\n".join((REPO / name).read_text(encoding="utf-8") for name in OPERATOR_DOCS)
    assert "bot.cli" not in readme
    commands = re.findall(r"(?m)(?:^|`|\s)((?:[^\s`]*/)?chungtay) (?:migrate|check|backup|restore|users|invites|"
                          r"import-units|create-admin-invite|load-catalogue)\b", readme)
    assert commands and set(commands) <= {"./chungtay", "chungtay"}, set(commands)
    bare = re.findall(r"(?m)^.*(?<![./\w])chungtay (?:migrate|check|backup|restore|users|invites).*$", readme)
    assert all("docker compose exec bot chungtay" in line or "HEALTHCHECK" in line or "image" in line
               for line in bare), bare
    assert os.access(CHUNGTAY, os.X_OK)
