"""Service layer: unit import, the unit-tree access rule, invites and registration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.domain.people.access import (
    AccessDenied,
    RedeemOutcome,
    create_invite,
    redeem_invite,
)
from bot.domain.permissions import Do, givable_roles, may
from bot.domain.units.tree import UnitImportError, import_units_csv, is_within
from db.models import Invite, Role, Unit, User
from db.queries import get_unit_by_code, list_subtree_units


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def test_sample_tree_is_imported_with_paths(session: Session) -> None:
    province, district, commune = (_unit(session, c) for c in ("GL", "GL-KP", "GL-KP-IARSAI"))
    assert commune.parent_id == district.id and district.parent_id == province.id
    assert (province.depth, district.depth, commune.depth) == (0, 1, 2)
    assert is_within(commune, province) and is_within(commune, commune) and not is_within(province, commune)
    assert len(list_subtree_units(session, root=district)) == 15  # the district, a town and 13 communes


def test_reimport_updates_and_adds_villages_under_communes(session: Session) -> None:
    report = import_units_csv(session, "code,name,kind,parent_code\n"
                                       "GL-KP-IARSAI-T1,Buôn Ma Giai,village,GL-KP-IARSAI\n"
                                       "GL-KP-IARSAI,Ia Rsai (mới),commune,GL-KP\n")
    assert (report.created, report.updated) == (1, 1)
    village = _unit(session, "GL-KP-IARSAI-T1")
    assert village.depth == 3 and is_within(village, _unit(session, "GL"))
    assert _unit(session, "GL-KP-IARSAI").name == "Ia Rsai (mới)"


def test_post_2025_tree_province_then_commune(session: Session) -> None:
    import_units_csv(session, "code,name,kind,parent_code\nDL,Đắk Lắk,province,\nDL-EAKAR,Ea Kar,commune,DL\n")
    assert _unit(session, "DL-EAKAR").depth == 1


@pytest.mark.parametrize(("csv_text", "problem"), [
    ("code,name,kind,parent_code\nA,Xã A,commune,NOPE\n", "parent NOPE of A is unknown"),
    ("code,name,kind,parent_code\nA,Xã A,commune,B\nB,Xã B,commune,A\n", "cycle"),
    ("code,name,kind,parent_code\nA,,commune,\n", "line 2"),
    ("code,name\nA,Xã A\n", "missing column"),
    ("code,name,kind,parent_code\nA,X,commune,\nA,Y,commune,\n", "appears twice"),
])
def test_bad_unit_files_import_nothing(session: Session, csv_text: str, problem: str) -> None:
    before = len(session.exec(select(Unit)).all())
    with pytest.raises(UnitImportError) as caught:
        import_units_csv(session, csv_text)
    assert problem in str(caught.value)
    assert len(session.exec(select(Unit)).all()) == before


def _user(session: Session, role: Role, code: str, telegram_id: int) -> User:
    user = User(telegram_id=telegram_id, display_name="x", role=role, unit_id=_unit(session, code).id)
    session.add(user)
    session.commit()
    return user


def test_roles_and_subtree_rules(session: Session) -> None:
    admin = _user(session, Role.ADMIN, "GL", 1)
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP", 2)
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI", 3)
    assert givable_roles(admin) == [Role.REPORTER, Role.SUPERVISOR, Role.ADMIN]
    assert givable_roles(supervisor) == [Role.REPORTER, Role.SUPERVISOR]
    assert givable_roles(reporter) == []
    assert may(supervisor, Do.MANAGE_UNIT, _unit(session, "GL-KP-CHUGU"), session=session)
    assert not may(supervisor, Do.MANAGE_UNIT, _unit(session, "GL"), session=session)
    assert not may(reporter, Do.MANAGE_UNIT, _unit(session, "GL-KP-IARSAI"), session=session)
    with pytest.raises(AccessDenied):
        create_invite(session, inviter=supervisor, role=Role.REPORTER, unit_id=_unit(session, "GL").id or 0,
                      organisation_id=None, ttl=timedelta(hours=1), now=datetime.now(UTC))
    with pytest.raises(AccessDenied):
        create_invite(session, inviter=supervisor, role=Role.ADMIN, unit_id=_unit(session, "GL-KP").id or 0,
                      organisation_id=None, ttl=timedelta(hours=1), now=datetime.now(UTC))


def test_invite_is_single_use_and_expires(session: Session) -> None:
    unit_id = _unit(session, "GL-KP-UAR").id or 0
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit_id, organisation_id=None,
                           ttl=timedelta(hours=2), now=datetime.now(UTC))
    assert len(invite.token) >= 24
    first = redeem_invite(session, token=invite.token, telegram_id=77, display_name="A", locale="vi",
                          now=datetime.now(UTC))
    assert first.outcome is RedeemOutcome.REGISTERED and first.user is not None
    assert first.user.role == Role.REPORTER and first.user.unit_id == unit_id
    again = redeem_invite(session, token=invite.token, telegram_id=78, display_name="B", locale="vi",
                          now=datetime.now(UTC))
    assert again.outcome is RedeemOutcome.USED
    registered = redeem_invite(session, token=invite.token, telegram_id=77, display_name="A", locale="vi",
                          now=datetime.now(UTC))
    assert registered.outcome is RedeemOutcome.ALREADY_REGISTERED
    later = datetime.now(UTC) + timedelta(hours=3)
    fresh = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit_id, organisation_id=None,
                          ttl=timedelta(hours=2), now=datetime.now(UTC))
    expired = redeem_invite(session, token=fresh.token, telegram_id=79, display_name="C", locale="vi", now=later)
    assert expired.outcome is RedeemOutcome.EXPIRED
    assert session.exec(select(Invite).where(Invite.token == fresh.token)).one().used_at is None
