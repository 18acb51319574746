"""The local sandbox: the real bot against the in-repo fake Bot API, with a web chat page.

`make run` without TELEGRAM_BOT_TOKEN lands here, so an official or a developer can try Chung Tay
at http://127.0.0.1:8080 without a token. It seeds a real province of the two-level government (Lạng Sơn:
the province and its 65 official communes from the vietnam-provinces package, a few sample villages) with
a few sample officials, a provincial administrator among them, so it must never run on the production
database: it uses SANDBOX_DATABASE_URL (default data/sandbox.sqlite3) and ignores DATABASE_URL, which
`.env` may well set for the real bot; and it refuses to start on a database that holds anyone but its
own sample people. Beside the fake Telegram it runs the fake Zalo Bot API, with Zalo pointed at it, so a
persona can chat through Zalo too.
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
from bot.domain.people.access import create_invite
from bot.domain.units.official import import_official_units
from bot.logsafety import install_log_redaction
from bot.runtime import Runtime
from bot.sandbox import SANDBOX_BOT_USERNAME
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from db.models import Organisation, Role, User
from db.models_channels import CHANNEL_ID_BASE, ChannelIdentity, internal_id_for
from db.queries import get_unit_by_code, get_user_by_telegram_id
from db.session import make_engine

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "1000000001:SANDBOX-not-a-real-token"
SANDBOX_ZALO_TOKEN = "2000000002:SANDBOX-zalo-not-a-real-token"
SANDBOX_PROVINCE = "20"
"""Lạng Sơn's official code: a province → commune tree since 1 July 2025 (65 xã and phường)."""
SANDBOX_VILLAGES = REPO_ROOT / "db" / "seed" / "sandbox-villages.csv"
NEWCOMER_UNIT = "06115"  # xã Tân Văn

# (telegram id, name, role, unit code, organisation code, label shown in the page). Since 2025 the
# province's UBND supervises the communes directly; its Sở Nông nghiệp và Môi trường follows the poverty
# programmes. In a commune the UBND and the organisations under the Fatherland Front log what they gave.
SAMPLE_PEOPLE = (
    (1001, "Hoàng Văn Minh", Role.SUPERVISOR, SANDBOX_PROVINCE, None,
     "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn (giám sát)"),
    (1002, "Lộc Thị Hạnh", Role.REPORTER, "06112", "commune_pc", "UBND xã Bình Gia (báo cáo viên)"),
    (1003, "Vi Văn Thắng", Role.REPORTER, "06073", "fatherland_front", "Ủy ban MTTQ xã Hoa Thám (báo cáo viên)"),
    (1000, "Quản trị viên", Role.ADMIN, SANDBOX_PROVINCE, None, "Quản trị viên tỉnh Lạng Sơn"),
)
# (Zalo user id, name, role, unit code, organisation code, label): officers who use the bot on Zalo, through
# the sandbox's fake Zalo Bot API. The bot knows them by the internal id of their channel identity.
SAMPLE_ZALO_PEOPLE = (
    ("7000001004", "Lương Thị Mai", Role.REPORTER, "06073", "commune_pc", "UBND xã Hoa Thám (báo cáo viên)"),
)
ZALO_CHANNEL = "zalo"
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
            if inspect(connection).has_table(ChannelIdentity.__tablename__):  # the Zalo personas' internal ids
                zalo_rows = connection.execute(select(col(ChannelIdentity.id)).where(
                    col(ChannelIdentity.channel) == ZALO_CHANNEL,
                    col(ChannelIdentity.external_id).in_([person[0] for person in SAMPLE_ZALO_PEOPLE])))
                own += [CHANNEL_ID_BASE + row_id for (row_id,) in zalo_rows if row_id is not None]
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
    """Sample tree and people (idempotent); returns the personas the web page offers.

    A sandbox database from before the reform (the Krông Pa district tree) gets the province added
    beside its old tree, and its sample people are moved to their units in the new one."""
    if get_unit_by_code(session, code=SANDBOX_PROVINCE) is None:
        import_official_units(session, [SANDBOX_PROVINCE], extra=SANDBOX_VILLAGES)
    personas: list[dict[str, object]] = []
    for telegram_id, name, role, unit_code, org_code, label in SAMPLE_PEOPLE:
        if _seed_person(session, settings, telegram_id, name, role, unit_code, org_code):
            personas.append({"id": telegram_id, "first_name": name, "label": label, "language_code": "vi",
                             "invite_start": None, "channel": "telegram"})
    for zalo_id, name, role, unit_code, org_code, label in SAMPLE_ZALO_PEOPLE:
        internal_id = internal_id_for(session, channel=ZALO_CHANNEL, external_id=zalo_id)
        if _seed_person(session, settings, internal_id, name, role, unit_code, org_code):
            # The id as a string: above 2**53 it is more than a JavaScript number holds exactly (the page).
            personas.append({"id": str(internal_id), "first_name": name, "label": label, "language_code": "vi",
                             "invite_start": None, "channel": "zalo", "zalo_id": zalo_id})
    newcomer_id = _fresh_newcomer_id(session)
    newcomer_unit = get_unit_by_code(session, code=NEWCOMER_UNIT)
    invite_start = None
    if newcomer_unit is not None and newcomer_unit.id is not None:
        invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=newcomer_unit.id,
                               organisation_id=None, ttl=timedelta(hours=settings.invite_ttl_hours), now=now)
        invite_start = f"/start {invite.token}"
    personas.append({"id": newcomer_id, "first_name": "Cán bộ mới", "label": "Người mới (chưa đăng ký, có lời mời)",
                     "language_code": "vi", "invite_start": invite_start, "channel": "telegram"})
    return personas


def _seed_person(session: Session, settings: Settings, telegram_id: int, name: str, role: Role, unit_code: str,
                 org_code: str | None) -> bool:
    """Create or move one sample person (by the id the bot knows them by); False when the unit is missing."""
    unit = get_unit_by_code(session, code=unit_code)
    if unit is None or unit.id is None:
        return False
    organisation = session.exec(select(Organisation).where(Organisation.code == org_code)).first() \
        if org_code else None
    organisation_id = organisation.id if organisation else None
    user = get_user_by_telegram_id(session, telegram_id=telegram_id)
    if user is None:
        session.add(User(telegram_id=telegram_id, display_name=name, role=role, unit_id=unit.id,
                         organisation_id=organisation_id, locale=settings.default_locale))
        session.commit()
    elif (user.unit_id, user.role, user.organisation_id) != (unit.id, role, organisation_id):
        user.unit_id, user.role, user.organisation_id, user.display_name = unit.id, role, organisation_id, name
        session.add(user)
        session.commit()
    return True


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


def sandbox_overrides(settings: Settings, fake_base_url: str, fake_zalo_url: str | None = None) -> dict[str, object]:
    """The settings the sandbox changes: the fake Telegram, its own database, the dashboard on locally, and
    Zalo on the fake Zalo (`fake_zalo_url`; None: off), never the real one: a ZALO_BOT_TOKEN in .env must not
    connect real Zalo users to the sandbox's sample data."""
    updates: dict[str, object] = {"telegram_bot_token": SANDBOX_TOKEN, "telegram_api_base_url": fake_base_url,
                                  "database_url": settings.sandbox_database_url, "zalo_bot_token": "",
                                  "zalo_webhook_url": "", "zalo_webhook_secret": ""}
    if fake_zalo_url is not None:
        updates.update(zalo_bot_token=SANDBOX_ZALO_TOKEN, zalo_api_base_url=fake_zalo_url)
    if not settings.dashboard_url:  # the dashboard is on in the sandbox: the 📊 button opens it locally
        port = settings.dashboard_port if "dashboard_port" in settings.model_fields_set else settings.sandbox_port + 1
        updates.update(dashboard_url=f"http://127.0.0.1:{port}/", dashboard_port=port, dashboard_listen="127.0.0.1")
    return updates


async def serve_sandbox(settings: Settings) -> None:
    """Raises SandboxRefused (before anything is written) when its database holds real users."""
    refuse_foreign_database(settings.sandbox_database_url)
    fake = FakeTelegram(bot_username=SANDBOX_BOT_USERNAME, bot_first_name="Chung Tay (sandbox)")
    await fake.start(host="127.0.0.1", port=settings.sandbox_port)
    fake_zalo = FakeZalo(bot_id=SANDBOX_ZALO_TOKEN.split(":")[0])  # the Zalo personas chat through it
    await fake_zalo.start(host="127.0.0.1")
    fake.attach_zalo(fake_zalo)
    install_log_redaction(SANDBOX_TOKEN)
    install_log_redaction(SANDBOX_ZALO_TOKEN)
    updates = sandbox_overrides(settings, fake.base_url, fake_zalo.base_url)
    fake.webapp_token = SANDBOX_TOKEN  # the fake Telegram signs the Mini App's initData with the bot's token
    sandbox_settings = settings.model_copy(update=updates)
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
        await fake_zalo.stop()
        await fake.stop()
    runtime.close()
