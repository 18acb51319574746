"""Helpers for the dashboard tests: a bot with the dashboard on a free port, signed initData, records."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.config import Settings, load_settings
from bot.domain.periods import submissions as reporting
from bot.web.initdata import sign
from db.models import Category, Organisation, SupportAction, Unit, User
from tests.conftest import TEST_TOKEN
from tests.support.harness import Chat

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dashboard_settings(database_url: str, base_url: str) -> Settings:
    port = free_port()
    return load_settings(_env_file=None, telegram_bot_token=TEST_TOKEN, telegram_api_base_url=base_url,
                         database_url=database_url, dashboard_url=f"http://127.0.0.1:{port}/", dashboard_port=port)


def init_data(telegram_id: int, *, at: datetime, token: str = TEST_TOKEN, language_code: str = "vi") -> str:
    return sign(token, user={"id": telegram_id, "first_name": "Cán bộ", "language_code": language_code}, auth_date=at)


def user_of(session: Session, chat: Chat) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.telegram_id == chat.user.id)).one()


def unit_id(session: Session, code: str) -> int:
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    assert unit.id is not None
    return unit.id


def log_rice(session: Session, *, unit_code: str, author: User, day: date, households: int | None, kg: int,
             value: int | None) -> SupportAction:
    rice = session.exec(select(Category).where(Category.code == "rice")).one()
    org = session.exec(select(Organisation).order_by(Organisation.id)).first()
    assert rice.id and org and org.id and author.id
    action = SupportAction(unit_id=unit_id(session, unit_code), organisation_id=org.id, category_id=rice.id,
                           action_date=day, households=households, quantity=Decimal(kg), quantity_unit="kg",
                           value_dong=value, author_id=author.id)
    session.add(action)
    session.commit()
    return action


def period_with_submissions(session: Session, *, supervisor: User, reporters: list[User], today: date,
                            now: datetime) -> int:
    """A period of the supervisor's unit due yesterday: the first reporter submitted before it (set in the
    past), the second after it (late); everyone else is missing."""
    period, _ = reporting.create_period(session, user=supervisor, name="Quý thử", kind="custom",
                                        start=today.replace(day=1), end=today, due=today - timedelta(days=1), now=now)
    reporting.submit(session, user=reporters[0], period=period, now=now - timedelta(days=3), tz=TZ)
    if len(reporters) > 1:
        reporting.submit(session, user=reporters[1], period=period, now=now, tz=TZ)
    assert period.id is not None
    return period.id
