"""Service layer of support actions: required fields, idempotent save, versions, void, totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.people.access import AccessDenied
from bot.domain.permissions import Do, may
from bot.domain.records.actions import (
    Draft,
    ValidationProblem,
    missing_required,
    month_totals,
    recent_actions,
    save_draft,
    void_action,
)
from bot.domain.records.draft import check_measure
from db.models import ActionStatus, Role, SupportAction, User, utcnow
from db.queries import get_unit_by_code

CATALOGUE = load_catalogue_file()
TODAY = date(2026, 11, 23)


def _user(session: Session, role: Role, unit_code: str, telegram_id: int) -> User:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None
    user = User(telegram_id=telegram_id, display_name="x", role=role, unit_id=unit.id or 0)
    session.add(user)
    session.commit()
    return user


def _rice(**changes: object) -> Draft:
    draft = Draft(category="rice", households=45, persons=108, quantity="5410", value_dong=81_150_000)
    for key, value in changes.items():
        setattr(draft, key, value)
    return draft


def test_missing_required_follows_the_catalogue() -> None:
    assert missing_required(Draft(), CATALOGUE) == ["category"]
    housing = Draft(category="housing", quantity="2")
    assert "field:build_type" in missing_required(housing, CATALOGUE)
    housing.fields["build_type"] = "repair"
    assert missing_required(housing, CATALOGUE) == []
    livelihood = Draft(category="livelihood", quantity="14")
    assert missing_required(livelihood, CATALOGUE) == ["quantity_unit"]


@pytest.mark.parametrize(("code", "value", "reason"), [
    ("households", 0, "zero"), ("households", -1, "negative"), ("value", 10**13, "too_large"),
    ("persons", Decimal("1.5"), "not_whole"),
])
def test_figures_are_checked(code: str, value: int | Decimal, reason: str) -> None:
    with pytest.raises(ValidationProblem) as caught:
        check_measure(code, value)
    assert caught.value.reason == reason


def test_save_is_idempotent_on_the_draft_key(session: Session) -> None:
    author = _user(session, Role.REPORTER, "GL-KP-IARSAI", 1)
    draft = _rice()
    first = save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=TODAY)
    again = save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=TODAY)
    assert first.created and not again.created and first.action.id == again.action.id
    assert len(session.exec(select(SupportAction)).all()) == 1
    assert first.action.quantity_unit == "kg" and first.action.action_date == TODAY


def test_corrections_version_and_totals_count_current_only(session: Session) -> None:
    author = _user(session, Role.REPORTER, "GL-KP-IARSAI", 1)
    original = save_draft(session, draft=_rice(), author=author, catalogue=CATALOGUE, today=TODAY).action
    fix = _rice(households=50, corrects_id=original.id)
    corrected = save_draft(session, draft=fix, author=author, catalogue=CATALOGUE, today=TODAY).action
    assert corrected.version == 2 and corrected.supersedes_id == original.id
    session.refresh(original)
    assert original.status == ActionStatus.SUPERSEDED
    totals = month_totals(session, unit_id=author.unit_id, category_code="rice", day=TODAY)
    assert (totals.records, totals.households, totals.quantity) == (1, 50, Decimal(5410))
    with pytest.raises(ValidationProblem):
        save_draft(session, draft=_rice(corrects_id=original.id), author=author, catalogue=CATALOGUE, today=TODAY)


def test_void_rules_follow_the_unit_tree(session: Session) -> None:
    author = _user(session, Role.REPORTER, "GL-KP-IARSAI", 1)
    colleague = _user(session, Role.REPORTER, "GL-KP-IARSAI", 2)
    elsewhere = _user(session, Role.SUPERVISOR, "GL-KP-CHUGU", 3)
    district = _user(session, Role.SUPERVISOR, "GL-KP", 4)
    action = save_draft(session, draft=_rice(), author=author, catalogue=CATALOGUE, today=TODAY).action
    assert may(author, Do.EDIT_RECORD, action, session=session)
    assert may(district, Do.EDIT_RECORD, action, session=session)
    assert not may(colleague, Do.EDIT_RECORD, action, session=session)
    assert not may(elsewhere, Do.EDIT_RECORD, action, session=session)
    with pytest.raises(AccessDenied):
        void_action(session, action_id=action.id or 0, user=colleague, now=utcnow())
    assert [a.id for a in recent_actions(session, user=district)] == [action.id]
    assert recent_actions(session, user=elsewhere) == []
    void_action(session, action_id=action.id or 0, user=district, now=utcnow())
    assert month_totals(session, unit_id=author.unit_id, category_code="rice", day=TODAY).records == 0
    assert recent_actions(session, user=author) == []
