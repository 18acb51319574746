"""The gate checks button presses with the one rule: a reporter who presses a supervisors' button (an old
message after a change of role, or a forged tap) is refused politely before any handler runs, and
nothing changes. Every supervisor-only action of the codec is forged in turn, with ids of real targets
the reporter's unit holds (a colleague, an invite, a household, a record), so a handler that ran would
have something to act on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.households.register import upsert_household
from bot.domain.people.access import create_invite
from bot.domain.permissions import SUPERVISORS
from bot.domain.records.actions import Draft, save_draft
from bot.i18n import get_translator
from bot.presentation import callbacks as cb
from bot.sandbox.fake_api import FakeTelegram
from db.models import AuditEntry, Household, Invite, OutboxMessage, ReportingPeriod, Role, SupportAction, User
from db.queries import get_unit_by_code
from db.record_question import RecordQuestion
from handlers.gate import BUTTON_REFUSAL
from tests.support.harness import BotUnderTest, Chat

VI = get_translator("vi")
UNIT = "GL-KP-IARSAI"


def _sample(kind: type[cb.Action], ids: dict[str, int]) -> cb.Action:
    """An instance of `kind` whose fields name the planted targets (an id by its field's name)."""
    values: dict[str, Any] = {}
    for name, field in kind.FIELDS:
        if name in ids:
            values[name] = ids[name]
        elif field is cb.PAGE:
            values[name] = 0
        elif field is cb.YEAR:
            values[name] = 2027
        elif isinstance(field, cb.Choice):
            values[name] = "supervisor" if "supervisor" in field.values else sorted(field.values)[0]
        elif isinstance(field, cb.OrNone):
            values[name] = None
        else:
            raise AssertionError(f"{kind.__name__}.{name}: no sample value")
    item = kind(**values)
    assert cb.decode(item.data) == item
    return item


def _state(session: Session) -> tuple[Any, ...]:
    """What a supervisors' button could change: people, invites, households, records, questions, periods,
    queued messages and the audit trail."""
    session.expire_all()
    rows = (
        [(u.id, u.role, u.unit_id, u.active) for u in session.exec(select(User).order_by(User.id))],  # type: ignore[arg-type]
        [(i.id, i.revoked_at, i.used_at) for i in session.exec(select(Invite).order_by(Invite.id))],  # type: ignore[arg-type]
        [(h.id, h.head_name, h.erased_at) for h in session.exec(select(Household).order_by(Household.id))],  # type: ignore[arg-type]
        [(a.id, a.status) for a in session.exec(select(SupportAction).order_by(SupportAction.id))],  # type: ignore[arg-type]
    )
    counts = tuple(len(session.exec(select(model)).all())
                   for model in (RecordQuestion, ReportingPeriod, OutboxMessage, AuditEntry))
    return (*rows, counts)


async def test_a_reporter_pressing_any_supervisors_button_is_refused_and_nothing_changes(
        session: Session, enroll: Callable[..., Any], bot: BotUnderTest, fake: FakeTelegram) -> None:
    reporter: Chat = await enroll(role="reporter", unit_code=UNIT, name="Báo cáo viên")
    await enroll(role="reporter", unit_code=UNIT, name="Đồng nghiệp")
    unit = get_unit_by_code(session, code=UNIT)
    assert unit is not None and unit.id is not None
    colleague = session.exec(select(User).where(User.display_name == "Đồng nghiệp")).one()
    household, _, _ = upsert_household(session, user=colleague, unit=unit, code="HN-77", head_name="Kpă Bảy",
                                       village=None, classification="poor", year=2026, members=None)
    draft = Draft(category="rice", households=45, persons=108, quantity="5410", value_dong=81_150_000)
    record = save_draft(session, draft=draft, author=colleague, catalogue=load_catalogue_file(),
                        today=date(2026, 11, 23)).action
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=bot.runtime.clock())
    ids = {"user_id": colleague.id or 0, "invite_id": invite.id or 0, "household_id": household.id or 0,
           "action_id": record.id or 0, "unit_id": unit.id}

    kinds = sorted((k for k in cb.registered() if k.AUDIENCE == SUPERVISORS), key=lambda k: k.TAG)
    assert len(kinds) >= 20, "every supervisor-only action is pressed"
    await reporter.send("/me")
    message = reporter.last
    before = _state(session)
    for kind in kinds:
        answers, count = len(fake.callback_answers), len(reporter.messages)
        changed = await reporter.tap_data(message, _sample(kind, ids).data)
        assert changed == [], f"{kind.TAG}: nothing is sent or edited"
        assert len(reporter.messages) == count
        given = fake.callback_answers[answers:]
        assert [(a["text"], str(a["show_alert"]).lower()) for a in given] == [(VI(BUTTON_REFUSAL), "true")], kind.TAG
    assert _state(session) == before
    assert fake.unanswered_queries() == []
    assert VI(BUTTON_REFUSAL) != BUTTON_REFUSAL, "the refusal reads in Vietnamese"


async def test_a_reporter_still_presses_the_members_buttons(session: Session, enroll: Callable[..., Any],
                                                            fake: FakeTelegram) -> None:
    """The gate lets a button of everyone registered through to its handler (here /language's)."""
    reporter: Chat = await enroll(role="reporter", unit_code=UNIT)
    await reporter.send("/language")
    await reporter.tap("English")
    assert all(a["text"] != VI(BUTTON_REFUSAL) for a in fake.callback_answers)
    session.expire_all()
    assert session.exec(select(User).where(User.telegram_id == reporter.user.id)).one().locale == "en"


async def test_a_supervisor_demoted_meanwhile_is_refused_by_the_old_message(
        session: Session, enroll: Callable[..., Any], fake: FakeTelegram) -> None:
    """An old /users message in the chat of someone who is no longer a supervisor: its buttons stop."""
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Giám sát")
    await enroll(role="reporter", unit_code=UNIT, name="Người được quản lý")
    await supervisor.send("/users")
    listing = supervisor.last
    person = session.exec(select(User).where(User.telegram_id == supervisor.user.id)).one()
    person.role = Role.REPORTER
    session.add(person)
    session.commit()
    assert await supervisor.tap("⚙️", message=listing) == []
    assert fake.callback_answers[-1]["text"] == VI(BUTTON_REFUSAL)
