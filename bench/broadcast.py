"""Benchmark: a broadcast of reminders through the real outbox sender, against flood control, with a restart.

    .venv/bin/python bench/broadcast.py [--n 30000] [--rate-limit 30] [--quick] [--json PATH]

- `--n` reminders are put in the outbox with `bot.domain.outbox.queue.enqueue` (one key each, as the
  reminder planner does) on a migrated SQLite file.
- The real `OutboxSender` sends them through a PTB bot with `AIORateLimiter`, as in the Application, to
  the in-repo fake Bot API with its opt-in flood control on: above `--rate-limit` sends in any one-second
  window it answers 429 with retry_after, as Telegram does bot-wide (about 30 messages/s).
- When half are sent, the sender is stopped and a new one (a new process would do the same: new bot,
  new runtime, new lease holder) takes over: a deploy in the middle of a broadcast.
- Reported: messages/s over the whole broadcast, 429 answers after the first second, and from the
  fake's log the reminders never delivered (lost) and delivered twice (doubled).
At Telegram's 30 messages/s, 30,000 reminders take ~17 minutes whatever the bot does; a smaller `--n`
measures the same rate.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402

from bench.common import Table, machine, now_utc, own_peak_rss_mb, write_result  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.database import prepare_database  # noqa: E402
from bot.domain.outbox import queue as outbox  # noqa: E402
from bot.outbox_sender import OutboxSender  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.sandbox.fake_api import FakeTelegram  # noqa: E402
from db.session import SessionFactory, make_engine  # noqa: E402

TOKEN = "123456789:BENCH-token-for-the-fake-api"
FIRST_CHAT = 8_000_001


def _enqueue(url: str, count: int) -> float:
    engine = make_engine(url)
    factory = SessionFactory(engine)
    prepare_database(url, factory)
    started = time.perf_counter()
    now = datetime.now(UTC)
    with factory() as session:
        for number in range(count):
            outbox.enqueue(session, key=f"bench:reminder:{number}", chat_id=FIRST_CHAT + number,
                           text=f"Nhắc việc {number}: xin anh/chị gửi số liệu tháng này.", now=now,
                           purpose="reminder")
        session.commit()
    engine.dispose()
    return time.perf_counter() - started


async def _sender(settings: Any, fake: FakeTelegram, name: str) -> tuple[OutboxSender, ExtBot[None], Runtime]:
    runtime = Runtime.create(settings)
    telegram_bot: ExtBot[None] = ExtBot(TOKEN, base_url=f"{fake.base_url}/bot", rate_limiter=AIORateLimiter())
    await telegram_bot.initialize()
    sender = OutboxSender(telegram_bot, runtime, name=name)
    sender.start()
    return sender, telegram_bot, runtime


def _delivered(fake: FakeTelegram) -> int:
    return sum(1 for c in fake.calls if c.method == "sendMessage" and c.status == 200)


async def _wait_delivered(fake: FakeTelegram, target: int, timeout: float) -> None:
    """Poll the fake's log (a benchmark driver, not a test: the sender runs on its own clock)."""
    deadline = time.monotonic() + timeout
    while _delivered(fake) < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {_delivered(fake)} of {target} delivered in {timeout:.0f} s")
        await asyncio.sleep(0.25)


async def run(count: int, rate_limit: int, workdir: Path) -> dict[str, Any]:
    url = f"sqlite:///{workdir / 'broadcast.sqlite3'}"
    enqueue_seconds = _enqueue(url, count)
    fake = FakeTelegram()
    await fake.start()
    fake.limit_rate(rate_limit)
    settings = load_settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=fake.base_url,
                             database_url=url)
    budget = 60 + 3 * count / rate_limit
    started = time.monotonic()
    try:
        sender, telegram_bot, runtime = await _sender(settings, fake, "before-restart")
        await _wait_delivered(fake, count // 2, budget)
        await sender.stop()  # a deploy: the first process goes away mid-broadcast
        await telegram_bot.shutdown()
        runtime.close()
        restarted_at = _delivered(fake)
        sender, telegram_bot, runtime = await _sender(settings, fake, "after-restart")
        await _wait_delivered(fake, count, budget)
        seconds = time.monotonic() - started
        await sender.stop()
        await telegram_bot.shutdown()
        runtime.close()
    finally:
        await fake.stop()
    sends = fake.calls_to("sendMessage")
    late_429 = sum(1 for c in sends if c.status == 429 and c.at - started > 1.0)
    texts = Counter(str(c.params.get("text")) for c in sends if c.status == 200)
    expected = {f"Nhắc việc {n}: xin anh/chị gửi số liệu tháng này." for n in range(count)}
    return {
        "n": count,
        "rate_limit": rate_limit,
        "enqueue_s": enqueue_seconds,
        "seconds": seconds,
        "msg_per_s": count / seconds,
        "answered_429": sum(1 for c in sends if c.status == 429),
        "answered_429_after_first_second": late_429,
        "lost": len(expected - set(texts)),
        "doubled": sum(1 for text, n in texts.items() if n > 1),
        "restart_after": restarted_at,
        "peak_rss_mb": own_peak_rss_mb(),
    }


def render(result: dict[str, Any]) -> str:
    table = Table(["broadcast", "value"], [
        ["reminders", f"{result['n']:,}"],
        ["enqueued in (s)", f"{result['enqueue_s']:.1f}"],
        ["fake's flood limit (msg/s)", f"{result['rate_limit']}"],
        ["restart after (delivered)", f"{result['restart_after']:,}"],
        ["sent in (s)", f"{result['seconds']:.1f}"],
        ["**messages/s**", f"**{result['msg_per_s']:.1f}**"],
        ["429 answers (all / after the first second)",
         f"{result['answered_429']} / {result['answered_429_after_first_second']}"],
        ["lost", f"{result['lost']}"],
        ["doubled", f"{result['doubled']}"],
        ["peak RSS of sender + fake (MiB)", f"{result['peak_rss_mb']:.0f}"],
    ])
    return table.markdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--rate-limit", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.quick:
        args.n = 120
    workdir = Path(tempfile.mkdtemp(prefix="chungtay-broadcast-"))
    try:
        result = asyncio.run(run(args.n, args.rate_limit, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = render(result)
    print(f"\n{machine()}, {now_utc()}\n{text}")
    command = "bench/broadcast.py " + ("--quick" if args.quick else f"--n {args.n} --rate-limit {args.rate_limit}")
    write_result(args.json, "broadcast", command, result, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
