"""Shared fixtures: a fresh database per test, the fake Bot API, the running bot and chats."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from hypothesis import settings as hypothesis_settings
from sqlmodel import Session

from bot.app import ChungTayApplication
from bot.config import Settings, load_settings
from bot.domain.reports import chart_worker
from bot.domain.totals.rollup import register_rollup_listener
from bot.sandbox.fake_api import FakeTelegram, FakeUser
from bot.sandbox.fake_api.zalo import FakeZalo
from db.session import SessionFactory, make_engine
from tests.support.databases import DatabaseFactory
from tests.support.harness import BotUnderTest, Chat, new_user

TEST_TOKEN = "123456789:TEST-token-for-the-fake-api"

# Property tests: the same examples on every run and both databases (no flaky CI, nothing written to
# .hypothesis/), and no per-example deadline on a busy 2-core machine.
hypothesis_settings.register_profile("chungtay", database=None, deadline=None, derandomize=True)
hypothesis_settings.load_profile("chungtay")


@pytest.fixture(scope="session", autouse=True)
def one_chart_process() -> Iterator[None]:
    """One chart process for the whole run (bot/domain/reports/chart_worker.py): starting a child and importing
    matplotlib there takes about a second, and the tests build and shut down hundreds of applications.
    Each would stop the child with it; here they leave it running, and it is stopped when the run ends.
    tests/unit/test_chart_worker.py checks that a real application does stop it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ChungTayApplication, "stops_chart_process", False)
        yield
    chart_worker.shutdown()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> DatabaseFactory:
    return DatabaseFactory(tmp_path_factory.mktemp("db"))


@pytest.fixture
def database_url(database_factory: DatabaseFactory) -> Iterator[str]:
    with database_factory.fresh() as url:
        yield url


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session on the test's own database, for service-layer tests and for checking the bot's work.

    It keeps the totals rollup as the bot's own sessions do (the bot registers the listener in Runtime.create).
    """
    register_rollup_listener()
    engine = make_engine(database_url)
    with SessionFactory(engine)() as db_session:
        yield db_session
    engine.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    """The fake Zalo Bot API, for tests that run the bot on both channels."""
    server = FakeZalo()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(database_url: str, fake: FakeTelegram) -> Settings:
    return load_settings(_env_file=None, telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake.base_url,
                         database_url=database_url)


@pytest.fixture
async def bot(settings: Settings, fake: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    running = BotUnderTest(settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


@pytest.fixture
def chat_with(bot: BotUnderTest) -> Callable[[FakeUser], Chat]:
    def make(user: FakeUser) -> Chat:
        return Chat(bot=bot, user=user)
    return make


@pytest.fixture
def stranger(chat_with: Callable[[FakeUser], Chat]) -> Chat:
    return chat_with(new_user("Người lạ"))


@pytest.fixture
def enroll(session: Session, chat_with: Callable[[FakeUser], Chat], bot: BotUnderTest) -> Callable[..., object]:
    """Register a new Telegram user the real way: an invite made by the service, opened with /start."""
    from datetime import timedelta

    from sqlmodel import select

    from bot.domain.people.access import create_invite
    from db.models import Organisation, Role
    from db.queries import get_unit_by_code

    async def make(role: str = "reporter", unit_code: str = "GL-KP-IARSAI", organisation: str | None = None,
                   name: str = "Cán bộ", language_code: str = "vi") -> Chat:
        unit = get_unit_by_code(session, code=unit_code)
        assert unit is not None and unit.id is not None
        org_id = None
        if organisation:
            org = session.exec(select(Organisation).where(Organisation.code == organisation)).one()
            org_id = org.id
        invite = create_invite(session, inviter=None, role=Role(role), unit_id=unit.id, organisation_id=org_id,
                               ttl=timedelta(hours=1), now=bot.runtime.clock())
        chat = chat_with(new_user(name, language_code=language_code))
        replies = await chat.send(f"/start {invite.token}")
        assert replies, "the bot did not answer the invite"
        return chat
    return make
