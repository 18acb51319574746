"""Support actions: the rules a draft must satisfy, and saving it exactly once.

The draft itself (what a form or a quick-entry line has gathered so far) is records/draft.py.

Saving is idempotent: every draft carries a random `key` stored as `support_action.client_key`
(unique), so a double tap on ✅, a re-delivered update or a retry after an error stores one record.
Corrections never overwrite: they insert a new version and mark the old one superseded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.catalogue.file import CatalogueFile, CategorySpec, Measure
from bot.domain.parsing.quick_entry import unit_code
from bot.domain.people.access import AccessDenied
from bot.domain.permissions import Do, may
from bot.domain.records.draft import (
    Draft,
    ValidationProblem,
    ordered_measures,
)
from bot.domain.records.duplicates import follow_correction, release_duplicates
from bot.domain.records.questions import close_for_record
from bot.domain.totals.aggregate import CategoryTotal, compute_totals
from db import catalogue_ids
from db.models import (
    ActionStatus,
    BeneficiaryClass,
    Category,
    FundingSource,
    Household,
    Organisation,
    SupportAction,
    Unit,
    User,
)
from db.queries import get_unit


def default_unit(measure: Measure) -> str | None:
    """The unit code a single-unit measure records implicitly (None: the officer must choose)."""
    if measure.units:
        return None
    return unit_code(measure)


def needs_quantity_unit(draft: Draft, spec: CategorySpec) -> bool:
    """The quantity-unit rule: a quantity counted in several units ("con" or "kg") needs its unit chosen
    before its figure means anything; a single-unit quantity never asks (`default_unit`)."""
    quantity = spec.measure("quantity")
    return quantity is not None and bool(quantity.units) and not draft.quantity_unit


def missing_required(draft: Draft, catalogue: CatalogueFile) -> list[str]:
    """What must still be asked before the card can be saved, in asking order. A required measure the
    officer skipped (the report did not give it) is not asked again, as long as another figure is there."""
    spec = catalogue.category_by_code(draft.category) if draft.category else None
    if spec is None:
        return ["category"]
    missing: list[str] = [m.code for m in ordered_measures(spec)
                          if m.required and draft.measure_value(m.code) is None and m.code not in draft.skipped]
    if draft.quantity is not None and needs_quantity_unit(draft, spec):
        missing.insert(0, "quantity_unit")
    missing += [f"field:{f.code}" for f in spec.fields if f.required and not draft.fields.get(f.code)]
    if not any(draft.measure_value(m.code) is not None for m in spec.measures):
        missing.append(ordered_measures(spec)[0].code)
    return list(dict.fromkeys(missing))


def adopt_category(draft: Draft, spec: CategorySpec) -> bool:
    """Give a category to a draft whose line named none (its figures were read without one): the
    figures the category records are kept, a quantity in a unit it does not count is not. Returns
    whether a figure was left out (the caller keeps the line itself, so nothing typed is lost)."""
    draft.category = spec.code
    dropped = False
    for code in ("households", "persons", "value"):
        if draft.measure_value(code) is not None and spec.measure(code) is None:
            setattr(draft, "value_dong" if code == "value" else code, None)
            dropped = True
    quantity = spec.measure("quantity")
    if draft.quantity is not None:
        units = {u.code for u in quantity.units} if quantity is not None and quantity.units else \
            {unit_code(quantity)} if quantity is not None else set()
        if quantity is None or (draft.quantity_unit and draft.quantity_unit not in units):
            draft.quantity, draft.quantity_unit, dropped = None, None, True
    if not draft.quantity_unit:
        draft.quantity_unit = None
    return dropped


def skippable(draft: Draft, spec: CategorySpec, code: str, ahead: Sequence[str] = ()) -> bool:
    """May the form offer "Skip" for this measure? A record needs one figure, not every figure the
    category can count: reports often give households and money but no head count. So any measure may be
    skipped while another figure is given, or is still to be asked (`ahead`: the form's plan); the last
    one left may not (a record without any figure counts nothing)."""
    if spec.measure(code) is None:
        return True
    others = [m.code for m in spec.measures if m.code != code]
    return any(draft.measure_value(other) is not None for other in others) or any(
        step in others and step not in draft.skipped for step in ahead)


@dataclass(frozen=True)
class SaveResult:
    action: SupportAction
    created: bool


def _id_by_code(session: Session, model: Any, code: str | None) -> int | None:
    if not code:
        return None
    row_id = catalogue_ids.id_of(session, model, code)
    if row_id is None:
        raise ValidationProblem("code", f"unknown {model.__name__} {code}")
    return row_id


def find_by_key(session: Session, *, key: str) -> SupportAction | None:
    return session.execute(_BY_KEY, {"key": key}).scalars().first()


_BY_KEY = select(SupportAction).where(SupportAction.client_key == bindparam("key"))  # every save: built once


def save_draft(session: Session, *, draft: Draft, author: User, catalogue: CatalogueFile, today: date,
               source_update_id: int | None = None, unusual: bool = False) -> SaveResult:
    """Store the draft once (see module notes). A draft with `corrects_id` stores a new version.
    `unusual`: the card warned that its figures are far from the usual and the officer saved anyway."""
    existing = find_by_key(session, key=draft.key)
    if existing is not None:
        return SaveResult(existing, created=False)
    if missing_required(draft, catalogue):
        raise ValidationProblem(missing_required(draft, catalogue)[0], "missing")
    spec = catalogue.category_by_code(draft.category or "")
    assert spec is not None
    previous = session.get(SupportAction, draft.corrects_id) if draft.corrects_id else None
    if previous is not None:
        if not may(author, Do.EDIT_RECORD, previous, session=session):
            raise AccessDenied("not allowed to change this record")
        if previous.status != ActionStatus.CURRENT:
            raise ValidationProblem("corrects_id", "not_current")
    if _household_out_of_reach(session, draft=draft, author=author, previous=previous):
        raise ValidationProblem("household", "out_of_reach")
    organisation_code = draft.organisation or organisation_code_of(session, author)
    _forget_erased_household(session, draft)
    quantity_measure = spec.measure("quantity")
    unit_code = draft.quantity_unit or (default_unit(quantity_measure) if quantity_measure else None)
    action = SupportAction(
        unit_id=previous.unit_id if previous else author.unit_id,
        organisation_id=_id_by_code(session, Organisation, organisation_code) or 0,
        category_id=_id_by_code(session, Category, spec.code) or 0,
        action_date=draft.day or today,
        beneficiary_class_id=_id_by_code(session, BeneficiaryClass, draft.beneficiary_class),
        funding_source_id=_id_by_code(session, FundingSource, draft.funding_source),
        households=draft.households, persons=draft.persons, quantity=draft.quantity_decimal,
        quantity_unit=unit_code if draft.quantity is not None else None, value_dong=draft.value_dong,
        subtype=draft.fields.get(spec.subtype_field) if spec.subtype_field else None,
        details=dict(draft.fields), household_name=draft.household_name, household_village=draft.household_village,
        household_id=draft.household_id, household_erased=draft.household_erased,
        note=draft.note, photo_file_id=draft.photo_file_id, latitude=draft.latitude, longitude=draft.longitude,
        author_id=author.id or 0, source_update_id=source_update_id, client_key=draft.key,
        version=(previous.version + 1) if previous else 1, supersedes_id=previous.id if previous else None,
        unusual_confirmed=unusual, approximate=draft.approximate,
    )
    if previous is not None:
        previous.status = ActionStatus.SUPERSEDED
        session.add(previous)
    session.add(action)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        again = find_by_key(session, key=draft.key)
        if again is None:
            raise
        return SaveResult(again, created=False)
    if previous is not None:
        follow_correction(session, previous=previous, current=action, user_id=author.id)
    audit.record(session, user_id=author.id, action="correct" if previous else "create", entity="support_action",
                 entity_id=action.id, details={"supersedes": previous.id if previous else None,
                                               "category": spec.code})
    if previous is not None:  # a correction answers a supervisor's open question about the record
        close_for_record(session, previous=previous, successor=action, user=author, now=action.created_at)
    session.commit()
    return SaveResult(action, created=True)


def _household_out_of_reach(session: Session, *, draft: Draft, author: User, previous: SupportAction | None) -> bool:
    """The author moved since the card was drawn: a new entry opened for a unit they no longer belong to, or
    a register household they may no longer see. The record would carry the former unit's distribution (a
    household, a note) into the new one. A correction keeping the record's own household is checked by
    the EDIT_RECORD rule instead."""
    if previous is None and draft.unit_id is not None and draft.unit_id != author.unit_id:
        opened = get_unit(session, unit_id=draft.unit_id)
        if opened is None or not may(author, Do.WORK_IN_UNIT, opened, session=session):
            return True
    if not draft.household_id or (previous is not None and previous.household_id == draft.household_id):
        return False
    household = session.get(Household, draft.household_id)
    if household is None:
        return False
    return not may(author, Do.SEE_HOUSEHOLD, household, session=session)


def rebase_draft(draft: Draft, *, unit_id: int) -> Draft:
    """A new entry's draft after its author moved: for their new unit, without what described the former
    unit's distribution (household, note, photo, place); the figures and choices stay, to check and save."""
    draft.unit_id = unit_id
    draft.household_name = draft.household_village = draft.note = draft.photo_file_id = None
    draft.household_id, draft.household_erased = None, False
    draft.latitude = draft.longitude = None
    return draft


def _forget_erased_household(session: Session, draft: Draft) -> None:
    """A form opened before the household's details were erased still holds its name: never store it
    again (bot/domain/households/erasure.py)."""
    household = session.get(Household, draft.household_id) if draft.household_id else None
    if household is not None and household.erased_at is not None:
        draft.household_name, draft.household_erased = None, True


def organisation_code_of(session: Session, user: User) -> str:
    """The author's own organisation, or the commune People's Committee for unattached staff."""
    if user.organisation_id:
        code = catalogue_ids.code_of(session, Organisation, user.organisation_id)
        if code is not None:
            return code
    first = session.exec(select(Organisation).order_by(col(Organisation.sort))).first()
    assert first is not None, "the catalogue has no organisations"
    return first.code


def void_action(session: Session, *, action_id: int, user: User, now: datetime) -> SupportAction:
    """Mark a record void at `now` (kept for the audit trail; no longer counted). Its confirmed
    duplicates are counted again in the same transaction (the distribution itself still happened)."""
    action = session.get(SupportAction, action_id)
    if action is None:
        raise ValidationProblem("id", "unknown")
    if not may(user, Do.EDIT_RECORD, action, session=session):
        raise AccessDenied("not allowed to change this record")
    if action.status == ActionStatus.VOID:
        return action
    if action.status != ActionStatus.CURRENT:
        raise ValidationProblem("id", "not_current")
    action.status = ActionStatus.VOID
    action.voided_at = now
    action.voided_by_id = user.id
    session.add(action)
    release_duplicates(session, original=action, user_id=user.id)
    audit.record(session, user_id=user.id, action="void", entity="support_action", entity_id=action.id)
    close_for_record(session, previous=action, successor=None, user=user, now=now)
    session.commit()
    return action


def recent_actions(session: Session, *, user: User, limit: int = 10) -> Sequence[SupportAction]:
    """Current records a user may see in /history: their own, or their subtree's for supervisors."""
    query = _in_own_subtree(session, select(SupportAction).where(SupportAction.status == ActionStatus.CURRENT),
                            user=user)
    if not may(user, Do.SUPERVISE):
        query = query.where(SupportAction.author_id == user.id)
    return session.exec(query.order_by(col(SupportAction.created_at).desc(), col(SupportAction.id).desc())
                        .limit(limit)).all()


def _in_own_subtree(session: Session, query: Any, *, user: User) -> Any:
    """Only records of the user's current unit and the units under it (as the EDIT_RECORD rule of `may`)."""
    own = get_unit(session, unit_id=user.unit_id)
    assert own is not None
    return query.join(Unit, col(Unit.id) == SupportAction.unit_id).where(col(Unit.path).startswith(own.path))


def last_own_action(session: Session, *, user: User) -> SupportAction | None:
    return session.exec(_in_own_subtree(session, select(SupportAction), user=user)
        .where(SupportAction.author_id == user.id, SupportAction.status == ActionStatus.CURRENT)
        .order_by(col(SupportAction.created_at).desc(), col(SupportAction.id).desc())).first()


def recent_distinct_templates(session: Session, *, user: User, limit: int = 3) -> list[SupportAction]:
    """The user's latest entries, one per category, for "same as last time"."""
    seen: set[int] = set()
    templates: list[SupportAction] = []
    for action in session.exec(
            _in_own_subtree(session, select(SupportAction), user=user)
            .where(SupportAction.author_id == user.id, SupportAction.status == ActionStatus.CURRENT)
            .order_by(col(SupportAction.created_at).desc()).limit(50)).all():
        if action.category_id not in seen:
            seen.add(action.category_id)
            templates.append(action)
        if len(templates) == limit:
            break
    return templates


def categories_by_use(session: Session, *, user: User, catalogue: CatalogueFile) -> list[CategorySpec]:
    """Catalogue categories, the user's most used first, then in catalogue order."""
    counts = dict(session.exec(
        select(Category.code, func.count(col(SupportAction.id)))
        .join(SupportAction, col(SupportAction.category_id) == Category.id)
        .where(SupportAction.author_id == user.id).group_by(Category.code)).all())
    return sorted(catalogue.category, key=lambda c: (-counts.get(c.code, 0), c.sort))


def month_totals(session: Session, *, unit_id: int, category_code: str, day: date) -> CategoryTotal:
    """Running total of one category in a unit (and below) for the month of `day`."""
    first = day.replace(day=1)
    following = (first.replace(year=first.year + 1, month=1) if first.month == 12
                 else first.replace(month=first.month + 1))
    unit = get_unit(session, unit_id=unit_id)
    assert unit is not None
    totals = compute_totals(session, unit=unit, start=first, end=following - timedelta(days=1),
                            category_code=category_code)
    return totals.get(category_code) or CategoryTotal(category=category_code)


def card_view(session: Session, *, user: User, draft: Draft) -> Draft:
    """The draft as the card may show it to `user`: without its household when they may not see it.

    A draft waits in bot_state between updates, so it may outlive the user's rights: they were moved
    to another unit while a correction card (or a register household they had picked) was open. The
    card is drawn from the draft, so this runs before every drawing: a household name never shows
    outside the viewer's subtree. A correction keeps its household in the stored draft (it belongs
    to the record, and saving checks EDIT_RECORD again); a new entry loses it (it is not theirs to
    record any more), so `draft` itself is changed then.
    """
    if not (draft.household_name or draft.household_id):
        return draft
    previous = session.get(SupportAction, draft.corrects_id) if draft.corrects_id else None
    household = session.get(Household, draft.household_id) if draft.household_id else None
    moved = previous is None and _household_out_of_reach(session, draft=draft, author=user, previous=None)
    if not moved and (previous is None or may(user, Do.EDIT_RECORD, previous, session=session)) and (
            household is None or may(user, Do.SEE_HOUSEHOLD, household, session=session)):
        return draft
    shown = draft if previous is None else Draft.from_dict(draft.to_dict())
    shown.household_id = None
    shown.household_name = shown.household_village = None
    return shown
