"""Benchmark: the chat path of Chung Tay against a bare python-telegram-bot 22 bot doing the same exchange.

    .venv/bin/python bench/chat_path.py [--users 10] [--rounds 20] [--open-users 100] [--rate 20]
                                        [--open-seconds 10] [--quick] [--json PATH]

The exchange: a user types a quick entry ("gạo 10 hộ 300kg 4,5tr"); the bot replies with a card and an
inline ✅ button; the user taps it; the bot edits the card. Four bots, in this order, in the same run:
- bare: a 20-line PTB Application that replies with a fixed card and edits it on the tap;
- bare+limiter: the same with `AIORateLimiter` (Chung Tay uses one, so this is the fair baseline);
- bare+limiter+db (bench/floor_bot.py): the same stack doing the least database work the exchange needs
  (the user read, the draft stored, the record, its audit row and the month's total, committed);
- Chung Tay: the real Application (`bot.app.build_application`) on a migrated, seeded SQLite file with
  reporters enrolled the real way (an invite opened with /start before the measurement).

Where the time is counted (why subprocesses): each bot runs in its own child process polling the
in-repo fake Bot API, which runs in this (the driver's) process on loopback. The bot's CPU time is read
from /proc/<child>/stat just before and after each measured phase, so neither the fake nor the driver
nor the bot's start-up is counted. RSS is the child's VmRSS/VmHWM at the end. Cold start: from spawning the
child to its READY line (interpreter, imports, the database check, post_init, polling started).

Two phases per bot:
- closed loop: `--users` users each do `--rounds` exchanges, each waiting for the bot's answer before
  the next step: updates/s and CPU ms per update;
- open loop: updates are injected at a fixed `--rate` from `--open-users` users for `--open-seconds`,
  whatever the replies (a user with an untapped card taps it, otherwise types a new entry): latency
  from the injection to the bot's first visible answer in that chat (sendMessage/editMessageText…),
  as the fake receives it, p50/p99.
Chat messages per logged entry come from the fake's call log (sendMessage, editMessageText,
editMessageReplyMarkup, sendDocument, sendPhoto, deleteMessage), divided by the records saved (Chung
Tay: rows in support_action; bare bots: taps handled).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import (  # noqa: E402
    Table,
    machine,
    median,
    now_utc,
    percentile,
    proc_cpu_seconds,
    proc_rss_mb,
    write_result,
)
from bench.profiling import Profiler  # noqa: E402
from bot.sandbox.fake_api import FakeTelegram, FakeUser, SentMessage  # noqa: E402

TOKEN = "123456789:BENCH-token-for-the-fake-api"
ENTRY = "gạo 10 hộ 300kg 4,5tr"
CHAT_METHODS = ("sendmessage", "editmessagetext", "editmessagereplymarkup", "senddocument", "sendphoto",
                "deletemessage")
KINDS = ("bare", "bare+limiter", "bare+limiter+db", "chungtay")
FLOOR = "bare+limiter+db"  # bench/floor_bot.py: the same stack touching a database as little as it can


# ------------------------------------------------------------------ the bots (child processes)

def _bare_application(api: str, limiter: bool) -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.constants import ParseMode
    from telegram.ext import AIORateLimiter, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

    async def on_text(update: Update, _: Any) -> None:
        assert update.effective_message is not None
        card = f"<b>Xem lại trước khi lưu</b>\n{update.effective_message.text}\nGạo · 10 hộ · 300 kg · 4.500.000 đ"
        await update.effective_message.reply_text(card, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("✅ Lưu", callback_data="save")]]))

    async def on_tap(update: Update, _: Any) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text("<b>Đã lưu</b>\nGạo · 10 hộ · 300 kg · 4.500.000 đ", parse_mode=ParseMode.HTML)

    builder = ApplicationBuilder().token(TOKEN).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
    if limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_tap))
    return application


async def _serve(kind: str, api: str, database_url: str, profile: bool = False) -> None:
    """Run one bot until the driver closes our stdin; print READY once polling."""
    from telegram import Update

    profiler = Profiler() if profile else None

    if kind == "chungtay":
        from bot.app import build_application, start_polling_in_loop, stop_in_loop
        from bot.config import load_settings

        settings = load_settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=api,
                                 database_url=database_url)
        application = build_application(settings)
        await start_polling_in_loop(application)
    else:
        if kind == FLOOR:
            from bench.floor_bot import floor_application

            application = floor_application(api, TOKEN, database_url)
        else:
            application = _bare_application(api, limiter=kind == "bare+limiter")
        await application.initialize()
        await application.start()
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=10)
    print("READY", flush=True)
    updates = 0
    while line := await asyncio.to_thread(sys.stdin.readline):
        if line.startswith("RESET") and profiler is not None:
            profiler.reset()
        elif line.startswith("UPDATES"):
            updates = int(line.split()[1])
    if profiler is not None:
        profiler.report(updates)
    if kind == "chungtay":
        await stop_in_loop(application)
    else:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


# ------------------------------------------------------------------ the database for Chung Tay

def prepare_chungtay_database(directory: Path, users: list[FakeUser]) -> tuple[str, list[str]]:
    """A migrated, seeded SQLite file and one reporter invite per user (opened with /start later)."""
    from sqlmodel import select

    from bot.database import prepare_database
    from bot.domain.people.access import create_invite
    from bot.domain.units.tree import import_units_csv
    from db.models import Organisation, Role
    from db.queries import get_unit_by_code
    from db.session import SessionFactory, make_engine

    url = f"sqlite:///{directory / 'chat-path.sqlite3'}"
    engine = make_engine(url)
    factory = SessionFactory(engine)
    prepare_database(url, factory)
    tokens = []
    with factory() as session:
        import_units_csv(session, REPO / "db" / "seed" / "sample-units.csv")
        unit = get_unit_by_code(session, code="GL-KP-IARSAI")
        assert unit is not None and unit.id is not None
        organisation = session.exec(select(Organisation).where(Organisation.code == "womens_union")).one()
        for _ in users:
            invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id,
                                   organisation_id=organisation.id, ttl=timedelta(hours=6), now=datetime.now(UTC))
            tokens.append(invite.token)
    engine.dispose()
    return url, tokens


def saved_records(url: str, kind: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    table = "floor_record" if kind == FLOOR else "support_action"
    with engine.connect() as connection:
        count = int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return count


# ------------------------------------------------------------------ the driver

@dataclass
class Phase:
    updates: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    chat_messages: int = 0
    api_calls: int = 0
    saved: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


def _card(messages: list[SentMessage]) -> tuple[SentMessage, str] | None:
    """The newest bot message with a ✅ button, and its callback data."""
    for message in reversed(messages):
        for button in message.buttons():
            if button.get("callback_data") and str(button.get("text", "")).startswith("✅"):
                return message, str(button["callback_data"])
    return None


async def _exchange(fake: FakeTelegram, user: FakeUser) -> None:
    """Type the entry, wait for the card, tap ✅, wait for the edit."""
    before = len(fake.messages.get(user.id, []))
    fake.inject_message(user, ENTRY)
    await fake.wait_until(lambda: _card(fake.messages.get(user.id, [])[before:]) is not None, 30, "the card")
    found = _card(fake.messages.get(user.id, [])[before:])
    assert found is not None
    card, data = found
    edits = card.edits
    fake.inject_callback(user, card, data)
    await fake.wait_until(lambda: card.edits > edits, 30, "the edit of the card")


def _by_method(fake: FakeTelegram, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in fake.calls[since:]:
        if call.method.lower() != "getupdates":
            counts[call.method] = counts.get(call.method, 0) + 1
    return counts


def _count_calls(fake: FakeTelegram, since: int) -> tuple[int, int]:
    calls = fake.calls[since:]
    chat = sum(1 for c in calls if c.method.lower() in CHAT_METHODS)
    api = sum(1 for c in calls if c.method.lower() != "getupdates")
    return chat, api


async def _closed_loop(fake: FakeTelegram, pid: int, users: list[FakeUser], rounds: int) -> Phase:
    async def one(user: FakeUser) -> None:
        for _ in range(rounds):
            await _exchange(fake, user)

    since = len(fake.calls)
    cpu0, started = proc_cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(*(one(u) for u in users))
    phase = Phase(updates=2 * rounds * len(users), seconds=time.perf_counter() - started)
    phase.cpu = proc_cpu_seconds(pid) - cpu0
    phase.chat_messages, phase.api_calls = _count_calls(fake, since)
    phase.by_method = _by_method(fake, since)
    phase.saved = rounds * len(users)
    return phase


async def _open_loop(fake: FakeTelegram, pid: int, users: list[FakeUser], rate: float, seconds: float) -> Phase:
    """Inject at a fixed rate regardless of replies; latency = injection → first visible answer in the chat."""
    total = max(1, int(rate * seconds))
    since = len(fake.calls)
    tapped: set[tuple[int, int]] = set()
    injected: list[tuple[int, float]] = []  # (chat id, monotonic time)
    cpu0, started = proc_cpu_seconds(pid), time.monotonic()
    for index in range(total):
        due = started + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        user = users[index % len(users)]
        found = _card(fake.messages.get(user.id, []))
        at = time.monotonic()
        if found is not None and (user.id, found[0].message_id) not in tapped:
            tapped.add((user.id, found[0].message_id))
            fake.inject_callback(user, found[0], found[1])
        else:
            fake.inject_message(user, ENTRY)
        injected.append((user.id, at))
    last_id = next(fake._update_ids) - 1  # the id of the last injected update
    await fake.wait_consumed(last_id, timeout=120)
    answers: dict[int, list[float]] = {}

    def all_answered() -> bool:
        answers.clear()
        for call in fake.calls[since:]:
            if call.method.lower() in CHAT_METHODS and "chat_id" in call.params:
                answers.setdefault(int(call.params["chat_id"]), []).append(call.at)
        return all(any(a >= at for a in answers.get(chat, [])) for chat, at in injected)

    with contextlib.suppress(TimeoutError):
        await fake.wait_until(all_answered, 60, "every injected update answered")
    phase = Phase(updates=total, seconds=time.monotonic() - started)
    phase.cpu = proc_cpu_seconds(pid) - cpu0
    for chat, at in injected:
        later = [a for a in answers.get(chat, []) if a >= at]
        if later:
            phase.latencies.append((min(later) - at) * 1000)
    phase.chat_messages, phase.api_calls = _count_calls(fake, since)
    return phase


async def _run_bot(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    fake = FakeTelegram()
    await fake.start()
    base = 7_100_000 + 1000 * KINDS.index(kind)
    closed_users = [FakeUser(id=base + i, first_name=f"Cán bộ {i}", language_code="vi") for i in range(args.users)]
    open_users = [FakeUser(id=base + 500 + i, first_name=f"Cán bộ {i}", language_code="vi")
                  for i in range(args.open_users)]
    database_url = ""
    if kind == "chungtay":
        database_url, tokens = prepare_chungtay_database(workdir, closed_users + open_users)
    elif kind == FLOOR:
        from bench.floor_bot import prepare_floor_database

        database_url = prepare_floor_database(workdir, [user.id for user in closed_users + open_users])
    spawned = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), "--serve", kind, "--api", fake.base_url,
        "--database-url", database_url, *(["--profile"] if args.profile else []),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=str(REPO))
    try:
        assert process.stdout is not None and process.stdin is not None
        line = await asyncio.wait_for(process.stdout.readline(), 120)
        if line.strip() != b"READY":
            raise RuntimeError(f"{kind} bot did not start: {line!r}")
        cold_start = time.perf_counter() - spawned  # interpreter, imports, database check, post_init, polling
        if kind == "chungtay":  # enrol: open each invite with /start, as a new official would
            for user, token in zip(closed_users + open_users, tokens, strict=True):
                update_id = fake.inject_message(user, f"/start {token}")
                await fake.wait_consumed(update_id, timeout=60)
                await fake.wait_until(lambda u=user: bool(fake.messages.get(u.id)), 30, "the welcome")
            await _exchange(fake, closed_users[0])  # warm-up (imports, caches, first queries)
        else:
            await _exchange(fake, closed_users[0])
        saved_before = saved_records(database_url, kind) if database_url else 0
        process.stdin.write(b"RESET\n")
        await process.stdin.drain()
        closed = await _closed_loop(fake, process.pid, closed_users, args.rounds)
        if args.profile:  # profile the closed loop only
            process.stdin.write(f"UPDATES {closed.updates}\n".encode())
            await process.stdin.drain()
            process.stdin.close()
        if database_url:
            closed.saved = saved_records(database_url, kind) - saved_before
        rss, peak = proc_rss_mb(process.pid)
        opened = Phase(updates=1, seconds=1.0)
        if not args.profile:
            opened = await _open_loop(fake, process.pid, open_users, args.rate, args.open_seconds)
            rss, peak = proc_rss_mb(process.pid)
    finally:
        if process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
        await fake.stop()
    return {
        "kind": kind,
        "updates_per_s": closed.updates / closed.seconds,
        "cpu_ms_per_update": 1000 * closed.cpu / closed.updates,
        "open_rate": opened.updates / opened.seconds,
        "open_cpu_ms_per_update": 1000 * opened.cpu / opened.updates,
        "p50_ms": median(opened.latencies),
        "p99_ms": percentile(opened.latencies, 0.99),
        "answered": len(opened.latencies),
        "open_updates": opened.updates,
        "chat_messages_per_entry": closed.chat_messages / max(1, closed.saved),
        "api_calls_per_entry": closed.api_calls / max(1, closed.saved),
        "saved": closed.saved,
        "calls_per_entry": {m: round(n / max(1, closed.saved), 2) for m, n in sorted(closed.by_method.items())},
        "rss_mb": rss,
        "peak_rss_mb": peak,
        "cold_start_s": cold_start,
    }


def render(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    table = Table(["", *results], [])
    rows = (("updates/s (closed loop)", "updates_per_s", "{:.0f}"), ("CPU ms / update", "cpu_ms_per_update", "{:.2f}"),
            (f"first reply p50 ms (open loop {args.rate:g}/s)", "p50_ms", "{:.1f}"),
            ("first reply p99 ms (open loop)", "p99_ms", "{:.1f}"),
            ("CPU ms / update (open loop)", "open_cpu_ms_per_update", "{:.2f}"),
            ("chat messages / saved entry", "chat_messages_per_entry", "{:.2f}"),
            ("API calls / saved entry", "api_calls_per_entry", "{:.2f}"),
            ("RSS MiB (peak)", "peak_rss_mb", "{:.0f}"),
            ("cold start to polling (s)", "cold_start_s", "{:.2f}"))
    for label, key, fmt in rows:
        table.rows.append([label, *(fmt.format(r[key]) for r in results.values())])
    text = table.markdown()
    if "chungtay" in results:
        ratios = Table(["Chung Tay ÷", "updates/s", "CPU ms/update", "p50", "p99", "RSS"], [])
        ours = results["chungtay"]
        for base in ("bare", "bare+limiter", FLOOR):
            if base in results:
                ref = results[base]
                ratios.rows.append([base, *(f"{ours[k] / ref[k]:.2f}×" if ref[k] else "–" for k in (
                    "updates_per_s", "cpu_ms_per_update", "p50_ms", "p99_ms", "peak_rss_mb"))])
        text += "\n\n" + ratios.markdown()
    text += "\n\nBot API calls per saved entry: " + "; ".join(
        f"{kind}: " + ", ".join(f"{m} {n:g}" for m, n in r["calls_per_entry"].items()) for kind, r in results.items())
    return text


async def drive(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="chungtay-chat-path-"))
    try:
        results = {}
        for kind in args.bots:
            results[kind] = await _run_bot(kind, args, workdir)
            print(f"{kind}: done ({results[kind]['updates_per_s']:.0f} updates/s)", flush=True)
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=20, help="exchanges per user in the closed loop")
    parser.add_argument("--open-users", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0, help="updates/s offered in the open loop")
    parser.add_argument("--open-seconds", type=float, default=10.0)
    parser.add_argument("--bots", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--quick", action="store_true", help="seconds, not minutes (numbers are only indicative)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile + SQL statement counts of the closed loop, printed by the bot (stderr)")
    parser.add_argument("--serve", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve(args.serve, args.api, args.database_url, args.profile))
        return 0
    if args.quick:
        args.users, args.rounds, args.open_users, args.open_seconds = 3, 2, 5, 1.0
    results = asyncio.run(drive(args))
    text = render(results, args)
    command = "bench/chat_path.py" + (" --quick" if args.quick else
                                      f" --users {args.users} --rounds {args.rounds} --open-users {args.open_users}"
                                      f" --rate {args.rate:g} --open-seconds {args.open_seconds:g}")
    print(f"\n{machine()}, {now_utc()}\n{text}")
    write_result(args.json, "chat_path", command, results, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
