"""The authorization matrix, generated from tables: role × where the target sits relative to the user's
unit × every command family. What is expected comes from the command table (handlers/registry.py: who
may use a command, and the refusal of everyone else) plus the unit-tree rule: a user acts on their own
unit and the units below it, never on a sibling or on the unit above.

Every user sits in the commune of Ia Rsai. The targets are planted in Ia Rsai (own), in a village
under it (child), in Chư Gu (sibling) and in Krông Pa (parent).

To add a family (e.g. a button family: forge the button of a target and press it), add one `Family`
line to FAMILIES: name the registry command whose roles decide (or give `roles`), how its target is
planted, and the steps; `{name}`, `{code}`, `{household_id}`, `{record_id}`, `{unit_id}`, `{user_id}`,
`{invite_id}` and `{question_id}` in a step are those of the target (`{colleague_id}`: a reporter of the
village below the user's unit, registered for the family). A family is "reached" when the target's marker shows in
what the user can read (`shows` picks another of the target's texts), or, for a family that changes
something, when `changed` finds the change in the database. A role the family is not for reaches nothing
(a command family: it gets the command's refusal). Every forged button is answered, never with the
generic error. A family that reads only the user's own unit is covered by `test_every_command_by_role`:
/target and /reopen name a unit, but only among those expected to report for a period of the user's own
unit (and the service checks the unit tree again), /status, /suspects and /submit read the user's own unit.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import docx
import openpyxl
import pytest
from sqlmodel import Session, select

from bot.domain.households.register import upsert_household
from bot.domain.people.access import create_invite
from bot.domain.units.tree import import_units_csv, unit_display
from bot.i18n import get_translator
from db.models import ActionStatus, Household, Invite, Role, SupportAction, User
from db.queries import get_unit_by_code
from db.record_question import QuestionStatus, RecordQuestion
from handlers.common import no_access_text
from handlers.registry import MANAGERS, MEMBERS, STRANGER, Audience, command_table, commands_by_name
from tests.support.harness import Chat

VI = get_translator("vi")
T = TypeVar("T")
USER_UNIT = "GL-KP-IARSAI"
POSITIONS: dict[str, str] = {"own": USER_UNIT, "child": "GL-KP-IARSAI-T1", "sibling": "GL-KP-CHUGU",
                             "parent": "GL-KP"}
"""Where the target sits relative to the user's unit, and the unit it sits in."""
VILLAGE_CSV = "code,name,kind,parent_code\nGL-KP-IARSAI-T1,Buôn Thức,village,GL-KP-IARSAI\n"
HOUSEHOLD_NAMES = {"own": "Kpă Một", "child": "Kpă Hai", "sibling": "Kpă Ba", "parent": "Kpă Bốn"}
PERSON_NAMES = {"own": "Rơ Châm Một", "child": "Rơ Châm Hai", "sibling": "Rơ Châm Ba", "parent": "Rơ Châm Bốn"}
RECORD_KG = {"own": 3101, "child": 3202, "sibling": 3303, "parent": 3404}
FIGURE_LINES = {"own": ("gạo 1 hộ 3101kg", "3101"), "child": ("bhyt 3202 thẻ", "3202"),
                "sibling": ("quà tết 3303 suất", "3303"), "parent": ("tập huấn 2 buổi 3404 người", "3404")}
"""One record of a different kind of support in each unit, so that totals, digests and reports (which add up
a kind over the subtree) show each unit's figure apart."""
ROLES = (Role.REPORTER, Role.SUPERVISOR, Role.ADMIN)
GENERIC_ERROR = VI("Sorry, something went wrong on our side. Please try again in a moment.")


def unit_tree_rule(role: Role, position: str) -> bool:
    """A user acts on their own unit and the units below it."""
    return position in ("own", "child")


def own_unit_for_reporters(role: Role, position: str) -> bool:
    """Totals: reporters total their own unit; supervisors and admins any unit of their subtree."""
    return position == "own" or (role != Role.REPORTER and unit_tree_rule(role, position))


def own_unit_only(role: Role, position: str) -> bool:
    """A question sent back is answered by the record's author or an officer of the record's own unit."""
    return position == "own"


def nobody(role: Role, position: str) -> bool:
    """Only the author copies a record ("same as last time"); the targets are written by others."""
    return False


def own_entries_for_reporters(role: Role, position: str) -> bool:
    """/history: reporters see only the entries they wrote themselves (the targets are written by others);
    supervisors and admins see their subtree's."""
    return role != Role.REPORTER and unit_tree_rule(role, position)


@dataclass(frozen=True)
class Family:
    """One kind of access to a target: the steps a user takes, and whose roles decide."""

    name: str
    plant: str  # "household" (a register entry), "record" (a saved support record), "unit" (the unit itself),
    #             "person" (a reporter registered there), "invite" (an open invite to it), "question" (a record
    #             the province's admin sent back with ❓), "figures" (a record of another kind in each unit)
    steps: tuple[tuple[str, str], ...]  # ("send", text) | ("tap", button text) | ("tap_data", callback data)
    command: str | None = None  # the registry command whose roles decide; None: `roles` decide
    roles: frozenset[Audience] = field(default_factory=frozenset)
    visible: Callable[[Role, str], bool] = unit_tree_rule
    shows: str | None = None  # the target's field that must show when reached (None: its marker)
    changed: Callable[[Session, dict[str, Any]], bool] | None = None  # reached = this change was made

    def allowed(self, role: Role) -> bool:
        roles = commands_by_name()[self.command].roles if self.command else self.roles
        return role in roles


# What a family that changes something changed: read from the database after the steps.
Fields = dict[str, Any]


def _voided(session: Session, fields: Fields) -> bool:
    return _get(session, SupportAction, fields["record_id"]).status == ActionStatus.VOID


def _answered(session: Session, fields: Fields) -> bool:
    return _get(session, RecordQuestion, fields["question_id"]).status == QuestionStatus.ANSWERED


def _erased(session: Session, fields: Fields) -> bool:
    return _get(session, Household, fields["household_id"]).erased_at is not None


def _deactivated(session: Session, fields: Fields) -> bool:
    return not _get(session, User, fields["user_id"]).active


def _promoted(session: Session, fields: Fields) -> bool:
    return _get(session, User, fields["user_id"]).role == Role.SUPERVISOR


def _colleague_moved(session: Session, fields: Fields) -> bool:
    return _get(session, User, fields["colleague_id"]).unit_id == fields["unit_id"]


def _revoked(session: Session, fields: Fields) -> bool:
    return _get(session, Invite, fields["invite_id"]).revoked_at is not None


def _get(session: Session, model: type[T], row_id: int) -> T:
    row = session.get(model, row_id)
    assert row is not None
    return row


FAMILIES: tuple[Family, ...] = (
    Family("household search", "household", (("send", "/household {name}"),), command="household"),
    Family("no one left behind", "household", (("send", "/unreached"),), command="unreached"),
    Family("history", "record", (("send", "/history"),), command="history", visible=own_entries_for_reporters),
    Family("excel export", "record", (("send", "/export"),), command="export"),
    Family("totals", "figures", (("send", "/totals"),), command="totals"),
    Family("digest", "figures", (("send", "/digest"),), command="digest"),
    Family("draft report (DOCX)", "figures", (("send", "/report"),), command="report"),
    Family("invite: unit choice", "unit", (("send", "/invite"), ("tap", "báo cáo viên")), command="invite"),
    # Button families: the button of the target is forged (its callback data) and pressed.
    Family("household card button", "household",
           (("send", "/household khong ai ten nay"), ("tap_data", "hh:view:{household_id}")), roles=MEMBERS),
    Family("correct record button", "record", (("send", "/me"), ("tap_data", "hist:fix:{record_id}")),
           roles=MEMBERS, visible=own_entries_for_reporters),
    Family("void record button", "record", (("send", "/me"), ("tap_data", "hist:void:{record_id}")),
           roles=MEMBERS, visible=own_entries_for_reporters),
    Family("void record: confirmed", "record", (("send", "/me"), ("tap_data", "hist:voidok:{record_id}")),
           roles=MEMBERS, visible=own_entries_for_reporters, changed=_voided),
    Family("same as last time button", "record", (("send", "/me"), ("tap_data", "log:again:{record_id}")),
           roles=MEMBERS, visible=nobody),
    Family("double count: answer", "record", (("send", "/me"), ("tap_data", "dup:other:{record_id}")),
           roles=MEMBERS, visible=own_entries_for_reporters, shows="ref"),
    Family("send a record back (❓)", "record", (("send", "/me"), ("tap_data", "rq:ask:{record_id}")),
           roles=MANAGERS),
    Family("question: ✅ figures right", "question", (("send", "/me"), ("tap_data", "rq:ok:{question_id}")),
           roles=MEMBERS, visible=own_unit_only, changed=_answered),
    Family("question: ✍️ reply", "question",
           (("send", "/me"), ("tap_data", "rq:reply:{question_id}"), ("send", "Đúng rồi, đã phát đủ")),
           roles=MEMBERS, visible=own_unit_only, changed=_answered),
    Family("totals: unit button", "unit", (("send", "/totals"), ("tap_data", "tot:u:{unit_id}")), command="totals",
           visible=own_unit_for_reporters),
    Family("household in the form", "household",
           (("send", "gạo 1 hộ 7kg"), ("tap", "✏️ Sửa"), ("tap", "Hộ nhận"), ("tap_data", "log:hh:{household_id}")),
           roles=MEMBERS, shows="name"),
    Family("erase a household: command", "household", (("send", "/household_erase {code}"),),
           command="household_erase", shows="name"),
    Family("erase a household: button", "household", (("send", "/me"), ("tap_data", "hhx:ask:{household_id}")),
           roles=MANAGERS, shows="name"),
    Family("erase a household: confirmed", "household", (("send", "/me"), ("tap_data", "hhx:yes:{household_id}")),
           roles=MANAGERS, changed=_erased),
    Family("people: a person's card", "person", (("send", "/users"), ("tap_data", "ppl:person:{user_id}:0")),
           command="users"),
    Family("people: deactivate", "person", (("send", "/users"), ("tap_data", "ppl:offok:{user_id}:0")),
           command="users", changed=_deactivated),
    Family("people: change role", "person", (("send", "/users"), ("tap_data", "ppl:setrole:{user_id}:supervisor:0")),
           command="users", changed=_promoted),
    # A colleague who starts in the village below the user's unit is moved to each target's unit in turn.
    Family("people: move to a unit", "unit",
           (("send", "/users"), ("tap_data", "ppl:setunit:{colleague_id}:{unit_id}")), command="users",
           changed=_colleague_moved),
    Family("invites: revoke", "invite", (("send", "/invites"), ("tap_data", "ppl:revoke:{invite_id}")),
           command="invites", changed=_revoked),
)



@dataclass
class Target:
    """What was planted in one unit: `marker` shows only to someone who reached it (never a text the
    user typed, which a reply may echo); `fields` fill the steps' placeholders."""

    marker: str
    fields: dict[str, object] = field(default_factory=dict)


async def _plant(kind: str, session: Session, enroll: Callable[..., Any]) -> dict[str, Target]:
    """One target in each position's unit."""
    targets: dict[str, Target] = {}
    planter: Chat = await enroll(role="admin", unit_code="GL", name="Quản trị tỉnh")
    admin = session.exec(select(User).where(User.telegram_id == planter.user.id)).one()
    for position, code in POSITIONS.items():
        unit = get_unit_by_code(session, code=code)
        assert unit is not None
        if kind == "household":
            household, *_ = upsert_household(session, user=admin, unit=unit, code=f"HN-{position.upper()}",
                                            head_name=HOUSEHOLD_NAMES[position], village="Thôn 1",
                                            classification="poor", year=2026, members=4)
            session.commit()
            targets[position] = Target(f"HN-{position.upper()}", {"name": HOUSEHOLD_NAMES[position],
                                                                  "code": household.code,
                                                                  "household_id": household.id or 0})
        elif kind in ("record", "question"):
            author: Chat = await enroll(role="reporter", unit_code=code, name=f"Tác giả {position}")
            await author.send(f"gạo 1 hộ {RECORD_KG[position]}kg")
            await author.tap("✅ Lưu")
            session.expire_all()
            record = session.exec(select(SupportAction).where(SupportAction.unit_id == unit.id)).one()
            fields: dict[str, object] = {"record_id": record.id or 0, "ref": f"#{record.id}"}
            if kind == "question":
                await planter.tap_data(planter.last, f"rq:ask:{record.id}")
                await planter.send("Số kg này đúng không?")
                session.expire_all()
                question = session.exec(select(RecordQuestion).where(RecordQuestion.action_id == record.id)).one()
                fields["question_id"] = question.id or 0
            targets[position] = Target(str(RECORD_KG[position]), fields)
        elif kind == "figures":
            line, figure = FIGURE_LINES[position]
            reporter: Chat = await enroll(role="reporter", unit_code=code, name=f"Cán bộ {position}")
            await reporter.send(line)
            await reporter.tap("✅ Lưu")
            targets[position] = Target(figure)
        elif kind == "person":
            person: Chat = await enroll(role="reporter", unit_code=code, name=PERSON_NAMES[position])
            registered = session.exec(select(User).where(User.telegram_id == person.user.id)).one()
            targets[position] = Target(PERSON_NAMES[position], {"user_id": registered.id or 0})
        elif kind == "invite":
            invite = create_invite(session, inviter=admin, role=Role.REPORTER, unit_id=unit.id or 0,
                                   organisation_id=None, ttl=timedelta(hours=24), now=planter.bot.runtime.clock())
            targets[position] = Target(unit_display(VI, unit), {"invite_id": invite.id or 0})
        else:
            targets[position] = Target(unit_display(VI, unit), {"unit_id": unit.id or 0})
    return targets


def _readable(messages: list[Any]) -> str:
    """Everything the user could read: texts, captions, button labels, the cells of XLSX files and the text of
    DOCX files, with the thousands dots taken out so that 3.101 kg and a cell 3101 read alike."""
    parts: list[str] = []
    for message in messages:
        parts += [message.text or "", message.caption or "", *(b.get("text", "") for b in message.buttons())]
        if message.file_bytes and (message.file_name or "").endswith(".xlsx"):
            workbook = openpyxl.load_workbook(io.BytesIO(message.file_bytes), read_only=True)
            parts += [str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                      for cell in row if cell is not None]
        if message.file_bytes and (message.file_name or "").endswith(".docx"):
            document = docx.Document(io.BytesIO(message.file_bytes))
            parts += [paragraph.text for paragraph in document.paragraphs]
            parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts).replace(".", "")


async def _act(chat: Chat, family: Family, target: Target, *, only_first: bool = False) -> list[Any]:
    seen: list[Any] = []
    for action, template in family.steps[:1] if only_first else family.steps:
        text = template.format(**target.fields)
        if action == "send":
            seen += await chat.send(text)
        elif action == "tap":
            seen += await chat.tap(text)
        else:
            seen += await chat.tap_data(chat.last, text)
    return seen


@pytest.fixture
async def village(session: Session) -> None:
    import_units_csv(session, VILLAGE_CSV)
    session.commit()


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
async def test_authorization_matrix(family: Family, role: Role, village: None, session: Session,
                                    enroll: Callable[..., Any]) -> None:
    targets = await _plant(family.plant, session, enroll)
    user: Chat = await enroll(role=role.value, unit_code=USER_UNIT, name="Người dùng")
    if any("{colleague_id}" in step for _, step in family.steps):
        colleague: Chat = await enroll(role="reporter", unit_code=POSITIONS["child"], name="Đồng nghiệp")
        colleague_id = session.exec(select(User).where(User.telegram_id == colleague.user.id)).one().id
        for target in targets.values():
            target.fields["colleague_id"] = colleague_id
    if not family.allowed(role) and family.command:
        command = commands_by_name()[family.command]
        for target in targets.values():
            replies = await _act(user, family, target, only_first=True)
            assert [m.text for m in replies] == [VI(command.refusal)], f"{family.name}: {role} is refused"
        return
    outcome = {}
    for position, target in targets.items():
        readable = _readable(await _act(user, family, target))
        if family.changed is not None:
            session.expire_all()
            outcome[position] = family.changed(session, target.fields)
        else:
            marker = str(target.fields[family.shows]) if family.shows else target.marker
            outcome[position] = marker.replace(".", "") in readable
        await user.send("/cancel")
    expected = {position: family.allowed(role) and family.visible(role, position) for position in POSITIONS}
    assert outcome == expected, f"{family.name} as {role}: reached {outcome}, expected {expected}"
    assert user.fake.unanswered_queries() == [], f"{family.name}: every press is answered"
    assert not any(GENERIC_ERROR in m.text for m in user.messages), f"{family.name}: never the generic error"


@pytest.mark.parametrize("audience", [*ROLES, STRANGER], ids=str)
async def test_every_command_by_role(audience: Audience, village: None, enroll: Callable[..., Any],
                                     chat_with: Callable[..., Chat]) -> None:
    """The role column of the matrix for every command of the table (those that only read the user's own
    unit as well as the targeted ones): a role the table allows is served, any other gets the command's
    refusal, and someone not registered gets the "no access yet" explanation."""
    from tests.support.harness import new_user

    chat = chat_with(new_user("Người lạ")) if audience == STRANGER else \
        await enroll(role=str(audience), unit_code=USER_UNIT, name="Người dùng")
    failures = VI("Sorry, something went wrong on our side. Please try again in a moment.")
    for command in command_table():
        replies = [m.text for m in await chat.send(f"/{command.name}")]
        if audience in command.roles:
            assert replies, f"/{command.name} as {audience}: no answer"
            assert VI(command.refusal) not in replies and failures not in replies, f"/{command.name}: {replies}"
            assert no_access_text(VI) not in replies or command.name in ("start", "help"), f"/{command.name}"
        elif audience == STRANGER:
            assert replies == [no_access_text(VI)], f"/{command.name} as a stranger: {replies}"
        else:
            assert replies == [VI(command.refusal)], f"/{command.name} as {audience}: {replies}"
        await chat.send("/cancel")
    unknown = [m.text for m in await chat.send("/khong_co_lenh_nay")]
    assert unknown == [no_access_text(VI) if audience == STRANGER else
                       "Xin lỗi, bot không có lệnh /khong_co_lenh_nay. Gõ /help để xem các việc bot làm được."]
