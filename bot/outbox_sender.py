"""The outbox sender: one asyncio task per Application that sends what bot/domain/outbox/queue.py holds,
and `plan_now`, which plans the due reminders into it (run by the planning job of bot/jobs.py).

- Sends through the Application's bot, which already goes through PTB's AIORateLimiter (about 30
  messages/s overall, 1/s per chat). We ask that limiter for *no* retries of its own: on a 429 the
  sender moves the row's `next_attempt_at` (persistent, so a restart keeps the wait) and pauses all
  sending until then.
- Paces itself (`Pacer`): a steady ~29.5 sends/s, and never a send that could make a one-second window
  hold more than 30. Why not only the AIORateLimiter: it is a leaky bucket that lets 30 through at once
  and then 30 a second, so a strict one-second window (Telegram's flood control, the fake's) saw up to
  ~60 and answered 429, and each 429 stops the broadcast for a second (26 messages/s where 30 are
  allowed). Several sends are under way at once, each chat's still in order.
- Wakes on an asyncio.Event when rows are enqueued (`notify`), otherwise when the next row is due
  (at most every IDLE_SECONDS).
- `drain()` sends until no due row remains and returns: tests await it instead of sleeping.
- The time is `runtime.clock()`, so tests move it.
- Database calls run in a worker thread: they are short, and two senders in one test really compete
  for rows on PostgreSQL.
- A row is a screen, a document or a photo, drawn when it is sent (`send_part` of
  bot/presentation/sending.py, also used for the /digest reply so both look the same). 429 pauses the
  sending of its channel until `retry_after` (not counted as an attempt); 5xx, timeouts and network errors
  retry the row with a growing backoff (`outbox.retry_delay`); 400 gives it up; 403 marks the user
  inactive, drops their remaining rows and closes the open questions about their records
  (`recipient_blocked` of bot/domain/people/directory.py).
- Each channel is a lane (`lane_of(chat_id)`, given by the Application: Zalo's chats are another lane) with
  its own pace and its own flood-control pause, so Zalo's rate limit never holds Telegram's messages back
  nor the other way round. A row claimed while its lane is paused goes back, due when the pause ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
import uuid
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.domain.outbox import queue as outbox
from bot.domain.people import directory as people
from bot.domain.periods.reminders import plan_reminders as plan_reminders  # re-exported: planned, then sent here
from bot.presentation.hooks import hooks_of
from bot.presentation.sending import UndrawableScreen
from bot.presentation.sending import send_part as send_part  # re-exported: the sender's one way to send a row
from bot.runtime import Runtime
from bot.unasked import unasked_send

log = logging.getLogger(__name__)
IDLE_SECONDS = 30.0


class _NoRetries(int):
    """`rate_limit_args` for AIORateLimiter meaning "0 retries": PTB reads `rate_limit_args or default`, so a
    plain 0 would mean its default; this 0 is truthy. The outbox does the retrying (persistently)."""

    def __bool__(self) -> bool:
        return True


NO_RETRIES = _NoRetries(0)


def _retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


OUTBOX_MESSAGES_PER_SECOND = 29.5
"""The broadcast pace: Telegram allows about 30 messages/s bot-wide. The pacer's window rule (below)
keeps any 1-second window under 30 sends whatever the network does, so the pace can sit this close."""
FLOOD_WINDOW = 30  # sends Telegram (and the fake) accept in any one second, bot-wide
MAX_IN_FLIGHT = 8  # sends under way at once (their round trips and database writes overlap)
TELEGRAM = "telegram"


@dataclass(frozen=True)
class LanePace:
    """How fast one channel's messages go: `per_second` overall, at most `window` in any one second, and
    (when `per_chat_seconds`) at least that long between two messages to one chat."""

    per_second: float
    window: int
    per_chat_seconds: float = 0.0



class Pacer:
    """When the next send may go, on the real monotonic clock (Telegram's flood window is real time,
    whatever clock the tests give the runtime). Two rules:

    - A grid of slots `spacing` apart: a steady pace. Slots, not `spacing` after each wake-up: on a busy
      machine a sleep wakes a few ms late, and adding that to every gap lost ~10 % of the rate. A late
      send keeps its slot, but the grid never falls more than CATCH_UP_SECONDS behind (no burst).
    - The window rule, which makes a 429 impossible rather than unlikely: a send starts only one second
      after the answer to the send FLOOD_WINDOW before it came back. That send reached Telegram before
      its answer, and this one reaches it after it starts, so no one-second window ever holds more
      than FLOOD_WINDOW sends, however late or bunched the requests travel. A pace from the grid alone
      left only ~25 ms for that jitter and met a 429 now and then on a loaded machine (each one stops
      sending for a second).
    `wait` returns a future for the send to resolve with the time its answer came (`answered`)."""

    CATCH_UP_SECONDS = 0.010

    def __init__(self, per_second: float, window: int = FLOOD_WINDOW) -> None:
        self.spacing = 1.0 / per_second if per_second > 0 else 0.0
        self.window = max(window, 1)
        self._next: float | None = None
        self._answers: deque[asyncio.Future[float]] = deque(maxlen=self.window)

    async def wait(self) -> asyncio.Future[float]:
        earliest = self._next
        if self.spacing and len(self._answers) == self.window:
            window_open = await self._answers[0] + 1.0
            earliest = window_open if earliest is None else max(earliest, window_open)
        now = time.monotonic()
        if earliest is not None and now < earliest:
            await asyncio.sleep(earliest - now)
            now = time.monotonic()
        slot = now if self._next is None else max(self._next, now - self.CATCH_UP_SECONDS)
        self._next = slot + self.spacing
        answer: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._answers.append(answer)
        return answer

    @staticmethod
    def answered(answer: asyncio.Future[float]) -> None:
        if not answer.done():
            answer.set_result(time.monotonic())


def _resolve(answer: asyncio.Future[float], _task: asyncio.Task[bool]) -> None:
    Pacer.answered(answer)


class Lane:
    """One channel's pacer, flood-control pause and per-chat spacing."""

    def __init__(self, pace: LanePace) -> None:
        self.pacer = Pacer(pace.per_second, pace.window)
        self.per_chat = pace.per_chat_seconds
        self.paused_until: datetime | None = None
        self._last_send: dict[int, float] = {}  # chat id -> monotonic time its last send started

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and now < self.paused_until

    async def chat_turn(self, chat_id: int) -> None:
        """Wait until this chat may get its next message (real time, as the platform counts it)."""
        if not self.per_chat:
            return
        now = time.monotonic()
        if len(self._last_send) > 1000:  # forget chats whose spacing is over
            self._last_send = {c: t for c, t in self._last_send.items() if now - t < self.per_chat}
        last = self._last_send.get(chat_id)
        if last is not None and now - last < self.per_chat:
            await asyncio.sleep(self.per_chat - (now - last))
        self._last_send[chat_id] = time.monotonic()


class OutboxSender:
    """Sends due outbox rows; on SQLite only while it holds the sender lease."""

    def __init__(self, bot: Bot, runtime: Runtime, *, name: str | None = None, batch: int = 100,
                 per_second: float = OUTBOX_MESSAGES_PER_SECOND, lane_of: Callable[[int], str] | None = None,
                 paces: dict[str, LanePace] | None = None) -> None:
        self.bot = bot
        self.runtime = runtime
        self.lane_of: Callable[[int], str] = lane_of or (lambda _chat_id: TELEGRAM)
        self.lanes = {TELEGRAM: Lane(LanePace(per_second, FLOOD_WINDOW))}
        self.lanes.update({lane: Lane(pace) for lane, pace in (paces or {}).items()})
        self.holder = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.batch = batch
        self.sent = 0
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def notify(self) -> None:
        """Rows were enqueued: send them now instead of at the next idle wake-up."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"outbox-sender-{self.holder}")

    async def stop(self) -> None:
        """Finish the message being sent, then stop and hand the SQLite lease over."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            async with self._lock:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await asyncio.to_thread(self._db, outbox.release_lease, holder=self.holder, now=self.runtime.clock())

    def _db(self, function: Any, **kwargs: Any) -> Any:
        with self.runtime.session_factory() as session:
            return function(session, **kwargs)

    def _claim(self, now: datetime) -> list[outbox.OutgoingMessage]:
        with self.runtime.session_factory() as session:
            if not outbox.is_postgresql(session) and not outbox.hold_lease(session, holder=self.holder, now=now):
                return []
            return outbox.claim_due(session, holder=self.holder, now=now, limit=self.batch)

    def lane(self, chat_id: int) -> Lane:
        return self.lanes.get(self.lane_of(chat_id)) or self.lanes[TELEGRAM]

    async def drain(self) -> int:
        """Send every row that is due now; returns how many were sent (0 when another process is the
        SQLite sender; rows of a channel whose flood control pauses it are not sent)."""
        async with self._lock:
            return await self._send_due()

    async def _send_due(self) -> int:
        upcoming: asyncio.Task[list[outbox.OutgoingMessage]] | None = None
        tasks: list[asyncio.Task[bool]] = []  # every send of this round; at most MAX_IN_FLIGHT not done
        running: set[asyncio.Task[bool]] = set()
        try:
            while not self._stopping:
                now = self.runtime.clock()
                claimed = await upcoming if upcoming is not None else []
                upcoming = None
                if not claimed:  # nothing claimed ahead: maybe only the next rows of chats still being sent
                    if running:
                        await asyncio.wait(running)
                        running.clear()
                    claimed = await asyncio.to_thread(self._claim, now)
                if not claimed:
                    break
                # The next batch is claimed while this one is sent: a claim takes ~0.1 s on a busy machine,
                # a pause in the sending every batch (~3 % of a broadcast's rate). A chat whose row is in
                # this batch is not in the next one (claim_due keeps a chat's rows in order).
                upcoming = asyncio.create_task(asyncio.to_thread(self._claim, now))
                await self._send_batch(claimed, tasks, running)
        finally:
            results = await asyncio.gather(*tasks, return_exceptions=True)
            if upcoming is not None:
                await self._hand_back(await upcoming, "sender stopped")
        for result in results:
            if isinstance(result, BaseException):
                raise result
        sent = sum(1 for result in results if result is True)
        self.sent += sent
        return sent

    async def _hand_back(self, messages: list[outbox.OutgoingMessage], error: str) -> None:
        """Return claimed rows that will not be sent now, each due again when its channel's flood-control
        pause ends (now when it is not paused)."""
        now = self.runtime.clock()
        by_time: dict[datetime, list[int]] = {}
        for message in messages:
            lane = self.lane(message.chat_id)
            at = lane.paused_until if lane.paused_until is not None and lane.paused(now) else now
            by_time.setdefault(at, []).append(message.id)
        for at, ids in by_time.items():
            await asyncio.to_thread(self._db, outbox.hand_back, message_ids=ids, holder=self.holder, at=at,
                                    error=error)

    async def _send_batch(self, claimed: list[outbox.OutgoingMessage], tasks: list[asyncio.Task[bool]],
                          running: set[asyncio.Task[bool]]) -> None:
        """Start the sends of a claimed batch at the pacer's pace, with up to MAX_IN_FLIGHT under way
        (`running`), so one send's Bot API round trip and database write overlap the next ones instead of
        adding to the spacing; the caller awaits them (`tasks`). A chat's messages still go one after the
        other, in order (a digest's text before its file): a claimed batch holds at most one row of a
        chat, and its next row is claimed only once this one is no longer being sent. A stop hands the rows
        not yet started back; so does a flood-control pause, only those of the paused channel."""
        paused: list[outbox.OutgoingMessage] = []
        for index, message in enumerate(claimed):
            running.difference_update([task for task in running if task.done()])
            while len(running) >= MAX_IN_FLIGHT:
                done, _pending = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                running.difference_update(done)
            if self._stopping:  # hand the rest back at once rather than at the claim's expiry
                await self._hand_back(claimed[index:], "sender stopped")
                break
            lane = self.lane(message.chat_id)
            if lane.paused(self.runtime.clock()):
                paused.append(message)
                continue
            answer = await lane.pacer.wait()
            task = asyncio.create_task(self._send_one(message, answer, lane))
            task.add_done_callback(functools.partial(_resolve, answer))  # even if cancelled before it ran
            tasks.append(task)
            running.add(task)
        await self._hand_back(paused, "paused by flood control")

    async def _send_one(self, message: outbox.OutgoingMessage, answer: asyncio.Future[float] | None = None,
                        lane: Lane | None = None) -> bool:
        lane = lane or self.lane(message.chat_id)
        try:
            try:
                await lane.chat_turn(message.chat_id)
                with unasked_send():  # not a reply: a channel without buttons keeps the person's question
                    await send_part(self.bot, message.chat_id, message, rate_limit_args=NO_RETRIES)
            finally:
                if answer is not None:
                    Pacer.answered(answer)  # the window rule counts from here
        except RetryAfter as error:
            until = self.runtime.clock() + timedelta(seconds=_retry_seconds(error))
            lane.paused_until = until if lane.paused_until is None else max(lane.paused_until, until)
            log.info("flood control: outbox paused for %.0f s on %s", _retry_seconds(error),
                     self.lane_of(message.chat_id))
            await asyncio.to_thread(self._db, outbox.mark_retry, message_id=message.id, holder=self.holder,
                                    at=lane.paused_until, error="RetryAfter", count_attempt=False)
            return False
        except Forbidden:
            log.info("outbox %s: recipient blocked the bot; marked inactive", message.id)
            notices = await asyncio.to_thread(self._db, people.recipient_blocked, message_id=message.id,
                                              holder=self.holder, now=self.runtime.clock())
            if notices:
                self.notify()
            return False
        except BadRequest as error:
            log.warning("outbox %s failed for good: %s", message.id, error.message)
            await asyncio.to_thread(self._db, outbox.mark_failed, message_id=message.id, holder=self.holder,
                                    error=error.message)
            return False
        except UndrawableScreen as error:  # drawing it again would fail again: give it up
            log.warning("outbox %s failed for good: its screen cannot be drawn (%s)", message.id, error)
            await asyncio.to_thread(self._db, outbox.mark_failed, message_id=message.id, holder=self.holder,
                                    error=f"undrawable screen: {error}")
            return False
        except TelegramError as error:  # network trouble, timeouts, 5xx: try again later
            log.warning("outbox %s will be retried: %s", message.id, type(error).__name__)
            await asyncio.to_thread(self._db, outbox.mark_retry, message_id=message.id, holder=self.holder,
                                    at=self.runtime.clock() + outbox.retry_delay(message.attempts),
                                    error=type(error).__name__)
            return False
        await asyncio.to_thread(self._db, outbox.mark_sent, message_id=message.id, holder=self.holder,
                                now=self.runtime.clock())
        return True

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self.drain()
                next_due = await asyncio.to_thread(self._db, outbox.next_due_at)
            except Exception:  # a database hiccup must not end the sender
                log.exception("outbox sender: round failed")
                next_due = None
            wait = IDLE_SECONDS
            if next_due is not None:
                wait = min(wait, max((next_due - self.runtime.clock()).total_seconds(), 0.05))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)


_SENDERS: WeakKeyDictionary[Application[Any, Any, Any, Any, Any, Any], OutboxSender] = WeakKeyDictionary()


def sender_of(application: Application[Any, Any, Any, Any, Any, Any]) -> OutboxSender:
    return _SENDERS[application]


async def plan_now(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Plan the reminders due now into the outbox and wake the sender; what the repeating job runs."""
    runtime: Runtime = application.runtime  # type: ignore[attr-defined]

    def plan() -> int:
        with runtime.session_factory() as session:
            return plan_reminders(session, now=runtime.clock(), tz=runtime.settings.tz)

    added = await asyncio.to_thread(plan)
    sender = _SENDERS.get(application)
    if added and sender is not None:
        sender.notify()
    return added


async def start_outbox(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start: the sender task (the planning job is created with every other job, in bot/jobs.py)."""
    runtime: Runtime = application.runtime  # type: ignore[attr-defined]
    zalo = getattr(application, "zalo", None)  # the second channel, paced and paused on its own
    sender = OutboxSender(application.bot, runtime, lane_of=zalo.lane_of if zalo is not None else None,
                          paces=zalo.paces() if zalo is not None else None)
    _SENDERS[application] = sender
    hooks_of(application).wake_outbox = sender.notify  # handlers wake it through bot/presentation/hooks.py
    sender.start()


async def stop_outbox(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    sender = _SENDERS.pop(application, None)
    hooks_of(application).wake_outbox = None
    if sender is not None:
        await sender.stop()


def notify_outbox(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The wiring's jobs and web routes that enqueue wake the sender (handlers: bot/presentation/hooks.py)."""
    sender = _SENDERS.get(application)
    if sender is not None:
        sender.notify()
