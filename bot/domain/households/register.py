"""The household register: search, adding in chat, a household's history, and "no one left behind"
(registered households that received nothing). Importing a review list: bot/domain/households/imports.py.

Household names are personal data (Decree 13/2023): they are shown only to users whose unit is the
household's unit or above it (the SEE_HOUSEHOLD rule of bot/domain/permissions.py), never logged, and
exports follow the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.catalogue.file import CatalogueFile
from bot.domain.parsing.matcher import matcher_for
from bot.domain.parsing.text import fold
from bot.domain.totals.aggregate import subtree_unit_ids
from bot.i18n import Translator
from db.models import ActionStatus, Category, Household, SupportAction, Unit, User
from db.queries import get_unit

LEFT_BEHIND_CLASSES = ("poor", "near_poor")


def classify(text: str, catalogue: CatalogueFile) -> str | None:
    """A beneficiary-class code for what the list says ("Hộ nghèo", "can ngheo", "poor"): the whole
    cell must name one class, read by the one catalogue matcher."""
    matcher = matcher_for(catalogue)
    return matcher.exact(text, matcher.classes)


def upsert_household(session: Session, *, user: User, unit: Unit, code: str, head_name: str, village: str | None,
                     classification: str, year: int, members: int | None) -> tuple[Household, bool, bool]:
    """Add a household in chat, or edit the one with the same code in that unit. Returns (household,
    created, restored): `restored` when its details had been erased and the typed name is stored again."""
    household = session.exec(select(Household).where(Household.unit_id == unit.id, Household.code == code)).first()
    created = household is None
    restored = household is not None and household.erased_at is not None
    household = household or Household(unit_id=unit.id or 0, code=code, head_name=head_name, head_folded="",
                                       classification=classification, year=year)
    household.head_name, household.head_folded = head_name, fold(head_name)
    household.village, household.classification, household.year, household.members = (
        village, classification, year, members)
    household.erased_at = None
    session.add(household)
    session.flush()
    audit.record(session, user_id=user.id, action="create" if created else "update", entity="household",
                 entity_id=household.id, details={"restored": True} if restored else None)
    session.commit()
    return household, created, restored


def search_households(session: Session, *, user: User, text: str, limit: int = 8) -> Sequence[Household]:
    """Households the user may see whose head's name or code contains `text` (diacritics optional)."""
    own = get_unit(session, unit_id=user.unit_id)
    folded = fold(text).strip()
    if own is None or not folded:
        return []
    query = (select(Household).where(col(Household.unit_id).in_(subtree_unit_ids(session, root=own)))
             .where(col(Household.head_folded).contains(folded, autoescape=True)  # "%" and "_" are literal
                   | (col(Household.code) == text.strip()))
             .order_by(col(Household.head_folded)).limit(limit))
    return session.exec(query).all()


def household_history(session: Session, *, household: Household) -> Sequence[SupportAction]:
    """Everything the household received, from every organisation, oldest first (current versions)."""
    return session.exec(select(SupportAction).where(SupportAction.household_id == household.id,
                                                    col(SupportAction.status) == ActionStatus.CURRENT)
                        .order_by(col(SupportAction.action_date), col(SupportAction.id))).all()


def unreached_households(session: Session, *, unit: Unit, start: date, end: date, category_code: str | None = None,
                         classes: Sequence[str] = LEFT_BEHIND_CLASSES, tag: str | None = None) -> list[Household]:
    """Registered households of these classes in `unit`'s subtree that received no support in the
    period (or none of `category_code`); `tag` narrows the list, e.g. "unsafe_housing"."""
    reached = (select(SupportAction.household_id)
               .where(col(SupportAction.household_id).is_not(None), col(SupportAction.status) == ActionStatus.CURRENT,
                      col(SupportAction.action_date) >= start, col(SupportAction.action_date) <= end))
    if category_code is not None:
        reached = reached.join(Category, col(Category.id) == SupportAction.category_id).where(
            col(Category.code) == category_code)
    households = session.exec(
        select(Household).where(col(Household.unit_id).in_(subtree_unit_ids(session, root=unit)),
                                col(Household.classification).in_(list(classes)),
                                col(Household.id).not_in(reached))
        .order_by(col(Household.unit_id), col(Household.village), col(Household.head_folded))).all()
    return [h for h in households if tag is None or tag in (h.tags or [])]


def left_behind_line(session: Session, *, t: Translator, unit: Unit, start: date, end: date) -> str | None:
    """"Registered poor or near-poor households not yet supported in the period: 2 (/unreached)." — or None
    when the unit has no register yet (then the figure would mean nothing). Counts only, no names."""
    registered = session.exec(select(func.count(col(Household.id))).where(
        col(Household.unit_id).in_(subtree_unit_ids(session, root=unit)))).one()
    if not registered:
        return None
    count = len(unreached_households(session, unit=unit, start=start, end=end))
    return t("Registered poor or near-poor households not yet supported in this period: {count} (/unreached).").format(
        count=count)
