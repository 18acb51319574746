"""The one permission rule (bot/domain/permissions.py): its table by role and place in the unit tree, the
audiences every button declares, and that no role check is written anywhere else."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import pytest
from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.households.register import upsert_household
from bot.domain.permissions import (
    ADMINS,
    EVERYONE,
    MEMBERS,
    STRANGER,
    SUPERVISORS,
    Do,
    audience_of,
    givable_roles,
    may,
)
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft, save_draft
from bot.domain.totals.screen import totals_screen
from bot.domain.totals.view import TotalsView
from bot.domain.units.tree import import_units_csv
from bot.i18n import get_translator
from bot.presentation import callbacks as cb
from bot.presentation.callbacks.codec import BUTTON_AUDIENCES, ID, Action, action
from db.models import Invite, Role, Unit, User
from db.queries import get_unit_by_code

_telegram_ids = itertools.count(9_100_000)
ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue_file()
TODAY = date(2026, 11, 23)
OWN, CHILD, SIBLING, PARENT = "GL-KP-IARSAI", "GL-KP-IARSAI-T1", "GL-KP-CHUGU", "GL-KP"
SUPERVISOR_TAGS = {
    "inv:cancel", "inv:role", "inv:unit", "inv:open", "inv:page", "inv:org", "rp:preset", "rq:ask",
    "ppl:list", "ppl:revoke", "ppl:person", "ppl:off", "ppl:offok", "ppl:on", "ppl:role", "ppl:setrole",
    "ppl:units", "ppl:setunit", "hhx:ask", "hhx:yes", "hhx:no",
}
"""The buttons only supervisors and administrators may press: /invite, /period's presets, ❓ under a record,
/users and /invites, erasing a household."""


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def _user(session: Session, role: Role, code: str, *, active: bool = True) -> User:
    user = User(telegram_id=next(_telegram_ids), display_name="x", role=role, unit_id=_unit(session, code).id,
                active=active)
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def village(session: Session) -> None:
    import_units_csv(session, f"code,name,kind,parent_code\n{CHILD},Buôn Thức,village,{OWN}\n")


# ------------------------------------------------------------------ buttons and audiences


def test_every_registered_button_declares_an_audience() -> None:
    for kind in cb.registered():
        assert kind.AUDIENCE in BUTTON_AUDIENCES, kind.__name__
    assert {kind.TAG for kind in cb.registered() if kind.AUDIENCE == SUPERVISORS} == SUPERVISOR_TAGS
    assert {kind.AUDIENCE for kind in cb.registered()} <= {MEMBERS, SUPERVISORS}


def test_a_button_without_a_known_audience_fails_when_registered() -> None:
    with pytest.raises(TypeError):
        @action("zz:none")  # type: ignore[call-arg]
        @dataclass(frozen=True)
        class NoAudience(Action):
            pass
    with pytest.raises(ValueError, match="audience"):
        @action("zz:odd", audience=frozenset({"visitor"}))
        @dataclass(frozen=True)
        class OddAudience(Action):
            record_id: Annotated[int, ID]
    with pytest.raises(ValueError, match="audience"):
        @action("zz:all", audience=EVERYONE)  # strangers press nothing: the gate answers them first
        @dataclass(frozen=True)
        class Everyone(Action):
            pass
    assert cb.decode("zz:none") is None and cb.decode("zz:odd:1") is None


def test_audiences_by_role_and_activity(session: Session) -> None:
    reporter, supervisor, admin = (_user(session, role, OWN) for role in (Role.REPORTER, Role.SUPERVISOR, Role.ADMIN))
    gone = _user(session, Role.ADMIN, OWN, active=False)
    for person, reaches in ((None, {"everyone"}), (gone, {"everyone"}), (reporter, {"everyone", "members"}),
                            (supervisor, {"everyone", "members", "supervisors"}),
                            (admin, {"everyone", "members", "supervisors", "admins"})):
        audiences = {"everyone": EVERYONE, "members": MEMBERS, "supervisors": SUPERVISORS, "admins": ADMINS}
        assert {name for name, audience in audiences.items() if may(person, Do.USE, audience)} == reaches
    assert audience_of(gone) == audience_of(None) == STRANGER
    assert not may(admin, Do.USE, None), "USE needs an audience"


# ------------------------------------------------------------------ the table


def test_an_inactive_supervisor_has_no_supervisor_rights(session: Session) -> None:
    """The two old checks disagreed (one forgot `active`); the stricter one holds everywhere."""
    active, inactive = _user(session, Role.SUPERVISOR, PARENT), _user(session, Role.SUPERVISOR, PARENT, active=False)
    commune = _unit(session, OWN)
    assert may(active, Do.SUPERVISE) and may(active, Do.MANAGE_UNIT, commune, session=session)
    assert not may(inactive, Do.SUPERVISE)
    assert not may(inactive, Do.MANAGE_UNIT, commune, session=session)
    assert not may(inactive, Do.SEE_UNIT, commune, session=session)
    assert givable_roles(inactive) == []
    names = Localised(CATALOGUE, get_translator("vi"))

    def unit_button(user: User) -> bool:
        screen = totals_screen(session, names=names, user=user, view=TotalsView(), today=TODAY)
        return any(button.label.startswith("📍") for row in screen.rows for button in row)

    assert unit_button(active) and not unit_button(inactive)


@pytest.mark.parametrize(("action", "expected"), [
    # (reporter, supervisor, admin) × (own, child, sibling, parent)
    (Do.SEE_UNIT, {Role.REPORTER: "1000", Role.SUPERVISOR: "1100", Role.ADMIN: "1100"}),
    (Do.MANAGE_UNIT, {Role.REPORTER: "0000", Role.SUPERVISOR: "1100", Role.ADMIN: "1100"}),
    (Do.WORK_IN_UNIT, {Role.REPORTER: "1100", Role.SUPERVISOR: "1100", Role.ADMIN: "1100"}),
])
def test_unit_rules_follow_the_tree(session: Session, village: None, action: Do, expected: dict[Role, str]) -> None:
    for role, row in expected.items():
        person = _user(session, role, OWN)
        got = "".join("1" if may(person, action, _unit(session, code), session=session) else "0"
                      for code in (OWN, CHILD, SIBLING, PARENT))
        assert got == row, (action, role)


def test_records_households_and_people(session: Session, village: None) -> None:
    author = _user(session, Role.REPORTER, OWN)
    colleague, supervisor = _user(session, Role.REPORTER, OWN), _user(session, Role.SUPERVISOR, PARENT)
    neighbour = _user(session, Role.SUPERVISOR, SIBLING)
    admin = _user(session, Role.ADMIN, PARENT)
    draft = Draft(category="rice", households=45, persons=108, quantity="5410", value_dong=81_150_000)
    record = save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=TODAY).action
    assert [may(p, Do.EDIT_RECORD, record, session=session) for p in (author, colleague, supervisor, neighbour)] \
        == [True, False, True, False]
    assert [may(p, Do.ASK_ABOUT_RECORD, record, session=session) for p in (author, colleague, supervisor)] \
        == [False, False, True]
    assert [may(p, Do.ANSWER_ABOUT_RECORD, record, session=session) for p in (author, colleague, supervisor)] \
        == [True, True, False]
    household, _, _ = upsert_household(session, user=author, unit=_unit(session, CHILD), code="HN-9",
                                       head_name="Kpă Chín", village=None, classification="poor", year=2026,
                                       members=None)
    assert [may(p, Do.SEE_HOUSEHOLD, household, session=session) for p in (author, supervisor, neighbour)] \
        == [True, True, False]
    assert [may(p, Do.ERASE_HOUSEHOLD, household, session=session) for p in (author, supervisor, neighbour)] \
        == [False, True, False]
    assert may(supervisor, Do.MANAGE_PERSON, author, session=session)
    assert not may(supervisor, Do.MANAGE_PERSON, supervisor, session=session), "not oneself"
    assert not may(supervisor, Do.MANAGE_PERSON, admin, session=session), "a supervisor never touches an admin"
    assert may(admin, Do.MANAGE_PERSON, supervisor, session=session)
    assert not may(author, Do.MANAGE_PERSON, colleague, session=session)
    for role, allowed in ((Role.REPORTER, [True, True]), (Role.SUPERVISOR, [True, True]), (Role.ADMIN, [False, True])):
        invite = Invite(token=f"t-{role}", role=role, unit_id=_unit(session, OWN).id or 0)
        assert [may(p, Do.MAKE_INVITE, invite, session=session) for p in (supervisor, neighbour)] \
            == [role != Role.ADMIN, False]
        assert [may(p, Do.REVOKE_INVITE, invite, session=session) for p in (supervisor, admin)] == allowed


def test_every_action_has_a_rule_and_refuses_a_missing_target(session: Session) -> None:
    admin = _user(session, Role.ADMIN, OWN)
    for done in Do:
        if done in (Do.USE, Do.SUPERVISE):
            continue
        assert may(admin, done, None, session=session) is False, done
        with pytest.raises(TypeError):
            may(admin, done, _unit(session, OWN))  # the tree is read from a session
        assert may(None, done, _unit(session, OWN), session=session) is False


# ------------------------------------------------------------------ one place


def test_no_role_check_outside_the_permission_rule() -> None:
    """Which roles supervise is said once (bot/domain/permissions.py); the operator's CLI (which creates the
    first administrator) and the sandbox's fixtures name roles to create people, nothing else does."""
    allowed = ("bot/domain/permissions.py", "bot/cli.py", "bot/cli_people.py", "bot/sandbox/")
    pattern = re.compile(r"Role\.(SUPERVISOR|ADMIN)\b")
    found = []
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if not name.startswith(allowed) and pattern.search(path.read_text(encoding="utf-8")):
                found.append(name)
    assert found == []
    assert not [path for folder in ("bot", "handlers") for path in (ROOT / folder).rglob("*.py")
                if re.search(r"def (can_|may_|is_supervisor)\w*\(", path.read_text(encoding="utf-8"))
                and not path.name.startswith("permissions")], "access checks are `may(...)` calls"
