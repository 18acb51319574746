"""The dashboard's API as Telegram's Mini App calls it: signed initData opens it, anything else is refused,
and the 🔔 reminder goes through the outbox once per unit and day."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.domain.people import directory as people
from bot.sandbox.fake_api import FakeTelegram
from db.models import AuditEntry, OutboxMessage
from tests.support.dashboard import (
    dashboard_settings,
    init_data,
    log_rice,
    period_with_submissions,
    unit_id,
    user_of,
)
from tests.support.harness import BotUnderTest, Chat


@pytest.fixture
def settings(database_url: str, fake: FakeTelegram) -> Settings:
    return dashboard_settings(database_url, fake.base_url)


@pytest.fixture
async def client(bot: BotUnderTest) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=bot.settings.dashboard_url, timeout=30) as http:
        yield http


async def _get(client: httpx.AsyncClient, path: str, init: str) -> httpx.Response:
    return await client.get(path, headers={"X-Telegram-Init-Data": init})


async def _post(client: httpx.AsyncClient, path: str, init: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(path, headers={"X-Telegram-Init-Data": init}, json=body)


async def test_signed_init_data_opens_the_dashboard_and_forgeries_are_refused(
        bot: BotUnderTest, client: httpx.AsyncClient, enroll: Callable[..., Any]) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP", name="Giám sát")
    now = bot.runtime.clock()
    good = init_data(supervisor.user.id, at=now)
    answer = await _get(client, "api/session", good)
    assert answer.status_code == 200
    assert answer.json()["user"]["name"] == "Giám sát"
    assert answer.json()["strings"]["tab_reporting"] == "Báo cáo"

    tampered = good.replace(str(supervisor.user.id), str(supervisor.user.id + 1))
    expired = init_data(supervisor.user.id, at=now - timedelta(hours=1, minutes=1))
    other_token = init_data(supervisor.user.id, at=now, token="987654321:ANOTHER-bot-token")
    for forged in (tampered, expired, other_token, ""):
        refused = await _get(client, "api/session", forged)
        assert refused.status_code == 401, forged
        assert "user" not in refused.json()


async def test_reporters_deactivated_people_and_strangers_are_refused(
        bot: BotUnderTest, client: httpx.AsyncClient, session: Session, enroll: Callable[..., Any]) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP")
    reporter: Chat = await enroll("reporter", "GL-KP-IARSAI")
    colleague: Chat = await enroll("supervisor", "GL-KP", name="Đồng nghiệp")
    now = bot.runtime.clock()
    refused = await _get(client, "api/reporting", init_data(reporter.user.id, at=now))
    assert refused.status_code == 403 and refused.json()["error"] == "role"
    assert "message" in refused.json()
    stranger = await _get(client, "api/figures", init_data(424242, at=now))
    assert stranger.status_code == 403 and stranger.json()["error"] == "unregistered"

    assert (await _get(client, "api/reporting", init_data(colleague.user.id, at=now))).status_code == 200
    people.deactivate(session, actor=user_of(session, supervisor), target_id=user_of(session, colleague).id or 0,
                      now=now)
    gone = await _get(client, "api/reporting", init_data(colleague.user.id, at=now))
    assert gone.status_code == 403 and gone.json()["error"] == "unregistered"


async def test_another_units_ids_are_refused(bot: BotUnderTest, client: httpx.AsyncClient, session: Session,
                                             enroll: Callable[..., Any]) -> None:
    commune_supervisor: Chat = await enroll("supervisor", "GL-KP-IARSAI")
    reporter: Chat = await enroll("reporter", "GL-KP-CHUGU")
    now = bot.runtime.clock()
    record = log_rice(session, unit_code="GL-KP-CHUGU", author=user_of(session, reporter),
                      day=now.date(), households=3, kg=30, value=300_000)
    init = init_data(commune_supervisor.user.id, at=now)
    other, parent = unit_id(session, "GL-KP-CHUGU"), unit_id(session, "GL-KP")
    for path in (f"api/reporting?unit={other}", f"api/figures?unit={parent}", f"api/check?unit={other}",
                 f"api/record/{record.id}"):
        answer = await _get(client, path, init)
        assert answer.status_code == 403 and answer.json() == {"error": "unit"}, path
    for path, body in (("api/question", {"action_id": record.id, "text": "Số này đúng không?"}),
                       ("api/file", {"kind": "xlsx", "unit_id": other, "period": "m0"})):
        answer = await _post(client, path, init, body)
        assert answer.status_code in (403, 409), path
    assert (await _get(client, f"api/figures?unit={unit_id(session, 'GL-KP-IARSAI')}", init)).status_code == 200


async def test_remind_queues_one_reminder_a_day_audited(
        bot: BotUnderTest, client: httpx.AsyncClient, session: Session, enroll: Callable[..., Any]) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP")
    on_time: Chat = await enroll("reporter", "GL-KP-CHUGU")
    late: Chat = await enroll("reporter", "GL-KP-UAR")
    missing: Chat = await enroll("reporter", "GL-KP-IARSAI", language_code="en")
    now = bot.runtime.clock()
    period_id = period_with_submissions(session, supervisor=user_of(session, supervisor),
                                        reporters=[user_of(session, on_time), user_of(session, late)],
                                        today=now.astimezone(bot.settings.tz).date(), now=now)
    init = init_data(supervisor.user.id, at=now)
    page = (await _get(client, "api/reporting", init)).json()
    states = {row["name"]: row["state"] for row in page["rows"]}
    assert states["xã Chư Gu"] == "on_time" and states["xã Uar"] == "late" and states["xã Ia Rsai"] == "missing"
    target = unit_id(session, "GL-KP-IARSAI")
    first = await _post(client, "api/nudge", init, {"period_id": period_id, "unit_id": target})
    second = await _post(client, "api/nudge", init, {"period_id": period_id, "unit_id": target})
    assert first.json() == {"result": "queued"} and second.json() == {"result": "already"}
    session.expire_all()
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "nudge")).all()
    assert [row.chat_id for row in rows] == [missing.user.id]
    assert "has not submitted" in rows[0].text  # the reporter reads English
    audits = session.exec(select(AuditEntry).where(AuditEntry.action == "nudge")).all()
    assert [(a.entity_id, a.user_id) for a in audits] == [(target, user_of(session, supervisor).id)]
    again = (await _get(client, "api/reporting", init)).json()
    assert {row["unit_id"]: row["nudged"] for row in again["rows"]}[target] is True
    submitted = await _post(client, "api/nudge", init,
                            {"period_id": period_id, "unit_id": unit_id(session, "GL-KP-CHUGU")})
    assert submitted.json() == {"result": "submitted"}
    await bot.fake.wait_until(lambda: any("has not submitted" in m.text for m in missing.messages),
                              what="the reminder delivered by the outbox")


async def test_to_check_question_and_files_use_the_chats_services(
        bot: BotUnderTest, client: httpx.AsyncClient, session: Session, enroll: Callable[..., Any]) -> None:
    supervisor: Chat = await enroll("supervisor", "GL-KP")
    reporter: Chat = await enroll("reporter", "GL-KP-CHUGU")
    now = bot.runtime.clock()
    author = user_of(session, reporter)
    record = log_rice(session, unit_code="GL-KP-CHUGU", author=author, day=now.date(), households=1, kg=900,
                      value=None)
    record.unusual_confirmed, record.household_name = True, "Nguyễn Văn Bí Mật"
    session.add(record)
    session.commit()
    init = init_data(supervisor.user.id, at=now)

    listed = (await _get(client, "api/check", init)).json()
    assert [item["action_id"] for item in listed["unusual"]] == [record.id]
    assert "Bí Mật" not in str(listed)  # lists never name the household
    opened = (await _get(client, f"api/record/{record.id}", init)).json()
    assert opened["can_ask"] is True and "Bí Mật" in opened["versions"][0]["summary"]  # as the chat's ❓ shows it

    asked = await _post(client, "api/question", init, {"action_id": record.id, "text": "900 kg cho 1 hộ?"})
    assert asked.status_code == 200
    again = await _post(client, "api/question", init, {"action_id": record.id, "text": "Lần nữa?"})
    assert again.status_code == 409
    await bot.fake.wait_until(lambda: any("900 kg cho 1 hộ?" in m.text for m in reporter.messages),
                              what="the question delivered to the author")
    listed = (await _get(client, "api/check", init)).json()
    assert [item["action_id"] for item in listed["questions"]] == [record.id] and listed["unusual"] == []
    assert (await _get(client, f"api/record/{record.id}", init)).json()["can_ask"] is False

    sent = await _post(client, "api/file", init, {"kind": "xlsx", "unit_id": unit_id(session, "GL-KP-CHUGU"),
                                                  "period": "m0"})
    assert sent.status_code == 200 and sent.json()["filename"].endswith(".xlsx")
    await bot.fake.wait_until(lambda: any(m.file_name and m.file_name.endswith(".xlsx") for m in supervisor.messages),
                              what="the XLSX in the supervisor's chat")
    session.expire_all()
    audited = {(a.action, a.entity_id) for a in session.exec(select(AuditEntry)).all()}
    assert ("dashboard_file", unit_id(session, "GL-KP-CHUGU")) in audited and ("ask", None) not in audited
    assert any(action == "ask" for action, _ in audited)
    bad = await _post(client, "api/file", init, {"kind": "exe", "period": "m0"})
    assert bad.status_code == 400


async def test_the_record_view_offers_a_question_only_where_the_chat_would(
        bot: BotUnderTest, client: httpx.AsyncClient, session: Session, enroll: Callable[..., Any]) -> None:
    """❓ is offered by the chat's rule (bot/domain/permissions.py): never about one's own record."""
    supervisor: Chat = await enroll("supervisor", "GL-KP")
    now = bot.runtime.clock()
    own = log_rice(session, unit_code="GL-KP-CHUGU", author=user_of(session, supervisor), day=now.date(),
                   households=1, kg=900, value=None)
    init = init_data(supervisor.user.id, at=now)
    opened = (await _get(client, f"api/record/{own.id}", init)).json()
    assert opened["can_ask"] is False
    asked = await _post(client, "api/question", init, {"action_id": own.id, "text": "900 kg cho 1 hộ?"})
    assert asked.status_code == 409
