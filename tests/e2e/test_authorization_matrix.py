"""The authorization matrix, generated from tables: role × where the target sits relative to the user's
unit × every command family. What is expected comes from the command table (handlers/registry.py: who
may use a command, and the refusal of everyone else) plus the unit-tree rule: a user acts on their own
unit and the units below it, never on a sibling or on the unit above.

Every user sits in the commune of Ia Rsai. The targets are planted in Ia Rsai (own), in a village
under it (child), in Chư Gu (sibling) and in Krông Pa (parent).

To add a family (e.g. a button family: forge the button of a target and press it), add one `Family`
line to FAMILIES: name the registry command whose roles decide (or give `roles`), how its target is
planted, and the steps; `{name}`, `{household_id}` and `{record_id}` in a step are those of the target.
A family that reads only the user's own unit is covered by `test_every_command_by_role` instead.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import pytest
from sqlmodel import Session, select

from bot.domain.services.households import upsert_household
from bot.domain.services.units import import_units_csv, unit_display
from bot.i18n import get_translator
from db.models import Role, SupportAction, User
from db.queries import get_unit_by_code
from handlers.common import no_access_text
from handlers.registry import MEMBERS, STRANGER, Audience, command_table, commands_by_name
from tests.support.harness import Chat

VI = get_translator("vi")
USER_UNIT = "GL-KP-IARSAI"
POSITIONS: dict[str, str] = {"own": USER_UNIT, "child": "GL-KP-IARSAI-T1", "sibling": "GL-KP-CHUGU",
                             "parent": "GL-KP"}
"""Where the target sits relative to the user's unit, and the unit it sits in."""
VILLAGE_CSV = "code,name,kind,parent_code\nGL-KP-IARSAI-T1,Buôn Thức,village,GL-KP-IARSAI\n"
HOUSEHOLD_NAMES = {"own": "Kpă Một", "child": "Kpă Hai", "sibling": "Kpă Ba", "parent": "Kpă Bốn"}
RECORD_KG = {"own": 3101, "child": 3202, "sibling": 3303, "parent": 3404}
ROLES = (Role.REPORTER, Role.SUPERVISOR, Role.ADMIN)


def unit_tree_rule(role: Role, position: str) -> bool:
    """A user acts on their own unit and the units below it."""
    return position in ("own", "child")


def own_entries_for_reporters(role: Role, position: str) -> bool:
    """/history: reporters see only the entries they wrote themselves (the targets are written by others);
    supervisors and admins see their subtree's."""
    return role != Role.REPORTER and unit_tree_rule(role, position)


@dataclass(frozen=True)
class Family:
    """One kind of access to a target: the steps a user takes, and whose roles decide."""

    name: str
    plant: str  # "household" (a register entry), "record" (a saved support record), "unit" (the unit itself)
    steps: tuple[tuple[str, str], ...]  # ("send", text) | ("tap", button text) | ("tap_data", callback data)
    command: str | None = None  # the registry command whose roles decide; None: `roles` decide
    roles: frozenset[Audience] = field(default_factory=frozenset)
    visible: Callable[[Role, str], bool] = unit_tree_rule

    def allowed(self, role: Role) -> bool:
        roles = commands_by_name()[self.command].roles if self.command else self.roles
        return role in roles


FAMILIES: tuple[Family, ...] = (
    Family("household search", "household", (("send", "/household {name}"),), command="household"),
    Family("no one left behind", "household", (("send", "/unreached"),), command="unreached"),
    Family("history", "record", (("send", "/history"),), command="history", visible=own_entries_for_reporters),
    Family("excel export", "record", (("send", "/export"),), command="export"),
    Family("invite: unit choice", "unit", (("send", "/invite"), ("tap", "báo cáo viên")), command="invite"),
    # Button families: the button of the target is forged (its callback data) and pressed.
    Family("household card button", "household",
           (("send", "/household khong ai ten nay"), ("tap_data", "hh:view:{household_id}")), roles=MEMBERS),
    Family("correct record button", "record", (("send", "/me"), ("tap_data", "hist:fix:{record_id}")),
           roles=MEMBERS, visible=own_entries_for_reporters),
    Family("void record button", "record", (("send", "/me"), ("tap_data", "hist:void:{record_id}")),
           roles=MEMBERS, visible=own_entries_for_reporters),
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
                                                                  "household_id": household.id or 0})
        elif kind == "record":
            author: Chat = await enroll(role="reporter", unit_code=code, name=f"Tác giả {position}")
            await author.send(f"gạo 1 hộ {RECORD_KG[position]}kg")
            await author.tap("✅ Lưu")
            session.expire_all()
            record = session.exec(select(SupportAction).where(SupportAction.unit_id == unit.id)).one()
            targets[position] = Target(str(RECORD_KG[position]), {"record_id": record.id or 0})
        else:
            targets[position] = Target(unit_display(VI, unit))
    return targets


def _readable(messages: list[Any]) -> str:
    """Everything the user could read: texts, captions, button labels and the cells of XLSX files, with
    the thousands dots taken out so that 3.101 kg and a cell 3101 read alike."""
    parts: list[str] = []
    for message in messages:
        parts += [message.text or "", message.caption or "", *(b.get("text", "") for b in message.buttons())]
        if message.file_bytes and (message.file_name or "").endswith(".xlsx"):
            workbook = openpyxl.load_workbook(io.BytesIO(message.file_bytes), read_only=True)
            parts += [str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                      for cell in row if cell is not None]
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
    if not family.allowed(role):
        assert family.command, "say here what a refused button family answers"
        command = commands_by_name()[family.command]
        for target in targets.values():
            replies = await _act(user, family, target, only_first=True)
            assert [m.text for m in replies] == [VI(command.refusal)], f"{family.name}: {role} is refused"
        return
    outcome = {}
    for position, target in targets.items():
        outcome[position] = target.marker.replace(".", "") in _readable(await _act(user, family, target))
        await user.send("/cancel")
    expected = {position: family.visible(role, position) for position in POSITIONS}
    assert outcome == expected, f"{family.name} as {role}: reached {outcome}, expected {expected}"


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
