"""The local sandbox: the real bot against the in-repo fake Bot API, with a web chat page.

`make run` without TELEGRAM_BOT_TOKEN lands here, so an official or a developer can try Chung Tay
at http://127.0.0.1:8080 without a token. It seeds the sample district with a few sample officials, a
provincial administrator among them, so it must never run on the production database: it uses
SANDBOX_DATABASE_URL (default data/sandbox.sqlite3) and ignores DATABASE_URL, which `.env` may well set
for the real bot; and it refuses to start on a database that holds anyone but its own sample people.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime, timedelta

from sqlalchemy import func, inspect
from sqlmodel import Session, col, select

from bot.app import build_application, start_polling_in_loop, stop_in_loop
from bot.config import REPO_ROOT, Settings
from bot.database import database_location, prepare_database_when_reachable
from bot.domain.services.access import create_invite
from bot.domain.services.units import import_units_csv
from bot.logsafety import install_log_redaction
from bot.runtime import Runtime
from bot.sandbox.fake_api import FakeTelegram
from db.models import Organisation, Role, User
from db.queries import count_units, get_unit_by_code, get_user_by_telegram_id
from db.session import make_engine

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "1000000001:SANDBOX-not-a-real-token"
SANDBOX_BOT_USERNAME = "ChungTaySandboxBot"
SAMPLE_UNITS = REPO_ROOT / "db" / "seed" / "sample-units.csv"

# (telegram id, name, role, unit code, organisation code, label shown in the page)
SAMPLE_PEOPLE = (
    (1001, "Nguyễn Thị Hoa", Role.SUPERVISOR, "GL-KP", None, "Phòng LĐ-TB&XH huyện Krông Pa (giám sát)"),
    (1002, "Ksor H'Lan", Role.REPORTER, "GL-KP-IARSAI", "commune_pc", "Cán bộ xã Ia Rsai (báo cáo viên)"),
    (1003, "Rơ Châm Thu", Role.REPORTER, "GL-KP-CHUGU", "womens_union", "Hội LHPN xã Chư Gu (báo cáo viên)"),
    (1000, "Quản trị viên", Role.ADMIN, "GL", None, "Quản trị viên tỉnh Gia Lai"),
)
NEWCOMER_ID = 1009
"""The newcomer persona's Telegram id on a fresh sandbox database. Each start gives the persona an id
without a user row (this one or the next free one above it), so the newcomer is a stranger again on
every start, as promised on the page, instead of being greeted as a returning user."""
NEWCOMER_IDS = range(NEWCOMER_ID, 1_000_000)


class SandboxRefused(Exception):
    """The sandbox will not run on this database; the message is one line for the person starting it."""


def foreign_users(database_url: str) -> int:
    """How many users of the database are not the sandbox's own sample people (0 for a new database)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(User.__tablename__):
                return 0
            own = [person[0] for person in SAMPLE_PEOPLE]
            telegram_id = col(User.telegram_id)
            query = select(func.count()).select_from(User).where(
                telegram_id.not_in(own), (telegram_id < NEWCOMER_IDS.start) | (telegram_id >= NEWCOMER_IDS.stop))
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def refuse_foreign_database(database_url: str) -> None:
    """Raise SandboxRefused when the database holds real users: seeding sample people (an administrator
    among them) into it would give strangers' personas rights over real data."""
    count = foreign_users(database_url)
    if count:
        raise SandboxRefused(
            f"The sandbox will not start: its database {database_location(database_url)} holds {count} user(s) "
            "who are not sandbox sample people. Point SANDBOX_DATABASE_URL at a database of its own "
            "(default data/sandbox.sqlite3), or set TELEGRAM_BOT_TOKEN to run the real bot.")


def seed_sandbox(session: Session, settings: Settings, *, now: datetime) -> list[dict[str, object]]:
    """Sample tree and people (idempotent); returns the personas the web page offers."""
    if count_units(session) == 0:
        import_units_csv(session, SAMPLE_UNITS)
    personas: list[dict[str, object]] = []
    for telegram_id, name, role, unit_code, org_code, label in SAMPLE_PEOPLE:
        unit = get_unit_by_code(session, code=unit_code)
        if unit is None or unit.id is None:
            continue
        if get_user_by_telegram_id(session, telegram_id=telegram_id) is None:
            organisation = session.exec(select(Organisation).where(Organisation.code == org_code)).first() \
                if org_code else None
            session.add(User(telegram_id=telegram_id, display_name=name, role=role, unit_id=unit.id,
                             organisation_id=organisation.id if organisation else None,
                             locale=settings.default_locale))
            session.commit()
        personas.append({"id": telegram_id, "first_name": name, "label": label, "language_code": "vi",
                         "invite_start": None})
    newcomer_id = _fresh_newcomer_id(session)
    newcomer_unit = get_unit_by_code(session, code="GL-KP-UAR")
    invite_start = None
    if newcomer_unit is not None and newcomer_unit.id is not None:
        invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=newcomer_unit.id,
                               organisation_id=None, ttl=timedelta(hours=settings.invite_ttl_hours), now=now)
        invite_start = f"/start {invite.token}"
    personas.append({"id": newcomer_id, "first_name": "Cán bộ mới", "label": "Người mới (chưa đăng ký, có lời mời)",
                     "language_code": "vi", "invite_start": invite_start})
    return personas


def _fresh_newcomer_id(session: Session) -> int:
    """A newcomer id nobody registered with, the newcomers of earlier starts switched off.

    The earlier newcomers keep their rows (their records and audit entries point at them) but are made
    inactive, so reminders and digests are not planned for chats nobody opens any more.
    """
    in_range = (col(User.telegram_id) >= NEWCOMER_IDS.start, col(User.telegram_id) < NEWCOMER_IDS.stop)
    earlier = session.exec(select(User).where(*in_range)).all()
    for user in earlier:
        if user.active:
            user.active = False
            session.add(user)
    session.commit()
    return max((user.telegram_id for user in earlier), default=NEWCOMER_IDS.start - 1) + 1


async def serve_sandbox(settings: Settings) -> None:
    """Raises SandboxRefused (before anything is written) when its database holds real users."""
    refuse_foreign_database(settings.sandbox_database_url)
    fake = FakeTelegram(bot_username=SANDBOX_BOT_USERNAME, bot_first_name="Chung Tay (sandbox)")
    await fake.start(host="127.0.0.1", port=settings.sandbox_port)
    install_log_redaction(SANDBOX_TOKEN)
    sandbox_settings = settings.model_copy(update={
        "telegram_bot_token": SANDBOX_TOKEN, "telegram_api_base_url": fake.base_url,
        "database_url": settings.sandbox_database_url})
    log.info("sandbox database: %s", database_location(sandbox_settings.database_url))
    runtime = Runtime.create(sandbox_settings)
    prepare_database_when_reachable(sandbox_settings.database_url, runtime.session_factory,
                                    retry_base_seconds=sandbox_settings.database_retry_base_seconds)
    with runtime.session_factory() as session:
        fake.personas = seed_sandbox(session, sandbox_settings, now=runtime.clock())
    application = build_application(sandbox_settings, runtime)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await start_polling_in_loop(application)
    try:
        print(f"Chung Tay sandbox: open {fake.base_url}/ in a browser (Ctrl+C to stop)", flush=True)
        await stop.wait()
    finally:
        await stop_in_loop(application)
        await fake.stop()
    runtime.close()
