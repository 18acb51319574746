"""Chaos run: simulated officers log quick entries and tap ✅ while the bot is SIGKILLed and restarted,
and PostgreSQL is restarted once under it. Then the database is checked against what the users SAW.

    .venv/bin/python bench/chaos.py            # full: 20 users × 5 entries, 5 kills, 1 PostgreSQL restart
    .venv/bin/python bench/chaos.py --quick    # 4 users × 3 entries, 2 kills, no PostgreSQL restart

The REAL bot runs as `python -m bot` (tests/support/process.py); the fake Bot API runs in this
process. Without --database-url a throwaway PostgreSQL cluster is started on CHAOS_PG_PORT (default
54398) with scripts/test-postgres.sh in its own directory, and removed afterwards.

What a user does per entry: send "gạo H hộ K kg Vk" (V unique per user and entry), wait for the card,
tap ✅, wait for "Saved". No answer in time (the bot was killed with the update in hand) or "cannot save
right now" (PostgreSQL down): they try again, as a person would; after a few tries they give up.

The checks (exit code 1 when one fails):
- every entry the user SAW acknowledged ("Saved" on the card, or the "Saved." toast) is stored exactly
  once (lost = acknowledged but not stored);
- no duplicates: no two records of one user with the same figures, no client_key twice;
- nothing half-written: every record has its audit entry, and the monthly/daily rollup tables equal a
  fresh computation from the records (bot/domain/totals/rollup.py `rollup_differences`).
Stored without an acknowledgement is allowed (the kill came between the commit and the answer).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from bot.sandbox.fake_api import FakeTelegram, FakeUser, SentMessage  # noqa: E402
from db.models import AuditEntry, SupportAction, User  # noqa: E402
from db.session import SessionFactory, make_engine  # noqa: E402
from tests.support.process import BotProcess, ProcessChat  # noqa: E402

SAVE = "✅ Lưu"
SAVED_CARD = "Đã lưu, số bản ghi #"
SAVED_TOAST = "Đã lưu."
CLOSED_TOAST = "Phiếu này đã xử lý xong."
TRIES = 6  # answers waited for in vain (the bot was killed holding the update) before giving up
BUSY_TRIES = 60  # "cannot save right now" answers (the database is down) before giving up


@dataclass
class Options:
    users: int = 20
    entries: int = 5
    kills: int = 5
    restart_postgres: bool = True
    database_url: str | None = None
    wait: float = 12.0  # how long a user waits for an answer before trying again
    seed: int = 7

    @classmethod
    def quick(cls, database_url: str | None = None) -> Options:
        return cls(users=4, entries=3, kills=2, restart_postgres=False, database_url=database_url, wait=8.0)


@dataclass
class Report:
    database: str
    users: int
    entries: int
    kills: int = 0
    postgres_restarts: int = 0
    acknowledged: int = 0
    stored: int = 0
    duplicates: int = 0
    client_key_duplicates: int = 0
    lost: int = 0
    stored_unacknowledged: int = 0
    gave_up: int = 0
    half_written: int = 0
    duration: float = 0.0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicates or self.client_key_duplicates or self.half_written)

    def lines(self) -> str:
        return "\n".join([
            f"database: {self.database}",
            f"users: {self.users}, entries attempted: {self.entries}",
            f"bot SIGKILLs (each followed by a restart): {self.kills}; PostgreSQL restarts: {self.postgres_restarts}",
            f"acknowledged to users: {self.acknowledged}; stored: {self.stored} "
            f"(stored without the user seeing it: {self.stored_unacknowledged}); given up: {self.gave_up}",
            f"duplicates: {self.duplicates}; client_key duplicates: {self.client_key_duplicates}; "
            f"lost: {self.lost}; half-written: {self.half_written}",
            f"duration: {self.duration:.1f} s",
            *self.notes,
            "RESULT: " + ("OK" if self.ok else "FAILED: " + "; ".join(self.problems)),
        ])


class Run:
    """Shared state of one run: the acknowledgements so far and who waits for them."""

    def __init__(self, options: Options, fake: FakeTelegram, bot: BotProcess) -> None:
        self.options = options
        self.fake = fake
        self.bot = bot
        self.acked: set[tuple[int, int]] = set()  # (telegram user id, value in đồng)
        self.gave_up = 0
        self.gave_up_notes: list[str] = []
        self.finished = 0
        self.progress = asyncio.Condition()

    async def note(self, acked: tuple[int, int] | None = None, *, gave_up: bool = False, done: bool = False) -> None:
        async with self.progress:
            if acked is not None:
                self.acked.add(acked)
            self.gave_up += gave_up
            self.finished += done
            self.progress.notify_all()


async def _wait(fake: FakeTelegram, predicate: object, timeout: float) -> bool:
    try:
        await fake.wait_until(predicate, timeout)  # type: ignore[arg-type]
    except TimeoutError:
        return False
    return True


async def _one_entry(run: Run, chat: ProcessChat, line: str, value: int) -> None:
    """Log one entry the way a patient person would; note whether they saw it saved."""
    fake, user_id = run.fake, chat.user.id
    card: SentMessage | None = None
    start = len(chat.messages)

    def newest_card() -> SentMessage | None:
        """The card of this entry on screen (a late answer to an earlier try counts: people scroll up)."""
        return next((m for m in reversed(chat.messages[start:]) if SAVE in [b["text"] for b in m.buttons()]), None)

    unanswered = 0
    for _ in range(TRIES + BUSY_TRIES):
        if unanswered >= TRIES:
            break
        card = card or newest_card()
        if card is None:
            fake.inject_message(chat.user, line)
            if not await _wait(fake, lambda: newest_card() is not None, run.options.wait):
                unanswered += 1
                continue
            card = newest_card()
            assert card is not None
        answers = len(fake.callback_answers_in(user_id))
        fake.inject_callback(chat.user, card, "log:save")
        current = card
        def answered(current: SentMessage = card, answers: int = answers) -> bool:
            return SAVED_CARD in current.text or bool(fake.callback_answers_in(user_id)[answers:])

        if not await _wait(fake, answered, run.options.wait):
            unanswered += 1
            continue
        toasts = [a.get("text") for a in fake.callback_answers_in(user_id)[answers:]]
        if SAVED_CARD in current.text or SAVED_TOAST in toasts:
            await run.note((user_id, value))
            return
        if CLOSED_TOAST in toasts:
            return  # closed without the user seeing "Saved": the record may or may not be there
        await asyncio.sleep(1.0)  # "cannot save right now": a person waits a moment, then taps again
    seen = [m.text.splitlines()[0][:50] for m in chat.messages[-3:]]
    toasts = [a.get("text") for a in fake.callback_answers_in(user_id)[-3:]]
    run.gave_up_notes.append(f"user {user_id} gave up on {line!r}: last messages {seen}, toasts {toasts}")
    await run.note(gave_up=True)


async def _user(run: Run, index: int, chat: ProcessChat) -> None:
    for entry in range(run.options.entries):
        value_k = 1000 + index * 100 + entry
        await _one_entry(run, chat, f"gạo {index + 1} hộ {100 + entry}kg {value_k}k", value_k * 1000)
    await run.note(done=True)


async def _postgres(command: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec("bash", str(REPO / "scripts" / "test-postgres.sh"), *command.split(),
                                                   env={**os.environ, **env}, stdout=asyncio.subprocess.DEVNULL)
    if await process.wait() != 0:
        raise RuntimeError(f"scripts/test-postgres.sh {command} failed")


async def _chaos(run: Run, report: Report, pg_env: dict[str, str] | None) -> None:
    """Kill the bot after every (n/(kills+1))-th acknowledgement, at whatever the other users are
    doing at that moment; restart PostgreSQL once half-way."""
    options = run.options
    total = options.users * options.entries
    rng = random.Random(options.seed)
    restart_pg_at = total // 2 if options.restart_postgres and pg_env is not None else None
    for kill in range(options.kills):
        threshold = total * (kill + 1) // (options.kills + 1)
        async with run.progress:
            await run.progress.wait_for(lambda t=threshold: len(run.acked) + run.gave_up >= t  # type: ignore[misc]
                                        or run.finished == options.users)
        if restart_pg_at is not None and len(run.acked) >= restart_pg_at:
            await _postgres("restart 2", pg_env or {})
            report.postgres_restarts += 1
            restart_pg_at = None
        await asyncio.sleep(rng.uniform(0, 0.3))  # somewhere inside the next steps of the others
        await run.bot.kill()
        report.kills += 1
        await run.bot.start()


def _seed(database_url: str, users: int) -> list[str]:
    """Migrate, load the units, and make one invite per user."""
    from bot.database import prepare_database
    from bot.domain.people.access import create_invite
    from bot.domain.units.tree import import_units_csv
    from db.models import Role
    from db.queries import get_unit_by_code

    engine = make_engine(database_url)
    factory = SessionFactory(engine)
    prepare_database(database_url, factory)
    tokens: list[str] = []
    with factory() as session:
        if get_unit_by_code(session, code="GL-KP-IARSAI") is None:
            import_units_csv(session, REPO / "db" / "seed" / "sample-units.csv")
        unit = get_unit_by_code(session, code="GL-KP-IARSAI")
        assert unit is not None and unit.id is not None
        for _ in range(users):
            tokens.append(create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id,
                                        organisation_id=None, ttl=timedelta(hours=2),
                                            now=datetime.now(UTC)).token)
    engine.dispose()
    return tokens


def _check(database_url: str, run: Run, report: Report) -> None:
    from bot.domain.totals.rollup import rollup_differences

    engine = make_engine(database_url)
    with Session(engine) as session:
        ids = {telegram_id: user_id for user_id, telegram_id in session.exec(select(User.id, User.telegram_id)).all()}
        rows = session.exec(select(SupportAction.author_id, SupportAction.value_dong)).all()
        counts: dict[tuple[int | None, int | None], int] = {}
        for author_id, value in rows:
            counts[(author_id, value)] = counts.get((author_id, value), 0) + 1
        report.stored = len(rows)
        report.acknowledged = len(run.acked)
        report.gave_up = run.gave_up
        report.notes = list(run.gave_up_notes)
        report.lost = sum(1 for telegram_id, value in run.acked if counts.get((ids.get(telegram_id), value), 0) == 0)
        report.duplicates = sum(n - 1 for n in counts.values() if n > 1)
        acked_keys = {(ids.get(telegram_id), value) for telegram_id, value in run.acked}
        report.stored_unacknowledged = sum(1 for key in counts if key not in acked_keys)
        key_counts = session.exec(select(SupportAction.client_key, func.count())
                                  .group_by(col(SupportAction.client_key))
                                  .having(func.count() > 1)).all()
        report.client_key_duplicates = len(key_counts)
        audited = set(session.exec(select(AuditEntry.entity_id).where(AuditEntry.entity == "support_action",
                                                                      AuditEntry.action == "create")).all())
        action_ids = set(session.exec(select(SupportAction.id)).all())
        report.half_written = len(action_ids - audited) + len(rollup_differences(session))
    engine.dispose()
    for name in ("lost", "duplicates", "client_key_duplicates", "half_written"):
        if getattr(report, name):
            report.problems.append(f"{name}={getattr(report, name)}")


async def run(options: Options, *, workdir: Path | None = None) -> Report:
    """One chaos run; returns the report (also used by tests/e2e/test_chaos.py)."""
    started = time.monotonic()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="chungtay-chaos-"))
    pg_env: dict[str, str] | None = None
    database_url = options.database_url
    if database_url is None:
        port = os.environ.get("CHAOS_PG_PORT", "54398")
        pg_env = {"PGTEST_PORT": port, "PGTEST_DIR": str(workdir / "pg")}
        await _postgres("start", pg_env)
        database_url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/chungtay_test"
    report = Report(database=database_url.split("://")[0], users=options.users,
                    entries=options.users * options.entries)
    fake = FakeTelegram()
    await fake.start()
    bot = BotProcess(fake, database_url, log_path=workdir / "bot.log")
    try:
        tokens = await asyncio.to_thread(_seed, database_url, options.users)
        await bot.start()
        chats = [ProcessChat(fake, FakeUser(id=6_000_001 + i, first_name=f"Cán bộ {i + 1}"))
                 for i in range(options.users)]
        for chat, token in zip(chats, tokens, strict=True):
            await chat.send(f"/start {token}")
        state = Run(options, fake, bot)
        users = [asyncio.create_task(_user(state, i, chat)) for i, chat in enumerate(chats)]
        await asyncio.gather(_chaos(state, report, pg_env), *users)
        await bot.kill()
        await asyncio.to_thread(_check, database_url, state, report)
    finally:
        await bot.kill()
        await fake.stop()
        if pg_env is not None:
            await _postgres("stop", pg_env)
    report.duration = time.monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 users × 3 entries, 2 kills, no PostgreSQL restart")
    parser.add_argument("--database-url", help="use this database (migrated and seeded here) instead of a "
                                               "throwaway PostgreSQL cluster; no PostgreSQL restart then")
    args = parser.parse_args(argv)
    options = Options.quick(args.database_url) if args.quick else Options(database_url=args.database_url)
    report = asyncio.run(run(options))
    print(report.lines())
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
