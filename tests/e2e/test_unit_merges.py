"""Merged units (`chungtay merge-units FILE`): records, households, people, targets and periods of the old
unit move to the new one in one transaction; the old unit stays inactive for history; totals over a
range crossing the effective date compare like with like; the drill-down names the old unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.cli import main
from bot.domain.periods.submissions import period_status
from bot.domain.totals.aggregate import compute_totals
from bot.domain.totals.rollup import rollup_differences
from db.models import (
    DigestSchedule,
    Household,
    ReportingExpected,
    ReportingPeriod,
    ReportingTarget,
    Submission,
    SupportAction,
    Unit,
    User,
)
from tests.support.harness import BotUnderTest, Chat

MERGE_HEADER = "old_code,new_code,effective_date\n"


def _unit(session: Session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    assert unit.id is not None
    return unit


def _setup_reporting(session: Session, today: date) -> int:
    """A period of the district both communes report in, a rice target for each, and two review lists
    that both use household code H-001."""
    district, uar, ia_rsai = (_unit(session, c) for c in ("GL-KP", "GL-KP-UAR", "GL-KP-IARSAI"))
    period = ReportingPeriod(unit_id=district.id or 0, name="Quý này", kind="custom", start=today - timedelta(days=30),
                             end=today + timedelta(days=30), due=today + timedelta(days=40))
    session.add(period)
    session.flush()
    for unit, target in ((uar, 20), (ia_rsai, 30)):
        session.add(ReportingExpected(period_id=period.id or 0, unit_id=unit.id or 0))
        session.add(ReportingTarget(period_id=period.id or 0, unit_id=unit.id or 0, category_code="rice",
                                    measure="households", target=Decimal(target)))
        session.add(Household(unit_id=unit.id or 0, code="H-001", head_name="Hộ thử", head_folded="ho thu",
                              classification="poor", year=today.year))
    # A quarter that ended before the merge, in which Uar reported: it stays Uar's, as reported.
    past = ReportingPeriod(unit_id=district.id or 0, name="Quý trước", kind="custom",
                           start=today - timedelta(days=120), end=today - timedelta(days=31),
                           due=today - timedelta(days=25))
    session.add(past)
    session.flush()
    session.add(ReportingExpected(period_id=past.id or 0, unit_id=uar.id or 0))
    officer = session.exec(select(User).where(User.unit_id == uar.id)).first()
    assert officer is not None
    session.add(Submission(period_id=past.id or 0, unit_id=uar.id or 0, submitted_by_id=officer.id or 0,
                           submitted_at=datetime.now(UTC)))
    session.commit()
    return period.id or 0


async def test_merge_moves_everything_and_compares_like_with_like(
        enroll: Callable[..., object], session: Session, bot: BotUnderTest, database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    today = bot.runtime.clock().date()
    uar_officer: Chat = await enroll(role="reporter", unit_code="GL-KP-UAR", organisation="womens_union",
                                     name="Nay H'Bia")  # type: ignore[misc]
    await uar_officer.send("gạo 10 hộ 1200kg hôm qua")
    await uar_officer.tap("✅ Lưu")
    ia_rsai_officer: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await ia_rsai_officer.send("gạo 45 hộ 5410kg")
    await ia_rsai_officer.tap("✅ Lưu")
    period_id = _setup_reporting(session, today)
    uar_id, ia_rsai_id = _unit(session, "GL-KP-UAR").id, _unit(session, "GL-KP-IARSAI").id

    merge_file = tmp_path / "merge.csv"
    merge_file.write_text(MERGE_HEADER + f"GL-KP-UAR,GL-KP-IARSAI,{today.day}/{today.month}/{today.year}\n",
                          encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["merge-units", str(merge_file)]) == 0
    out = capsys.readouterr().out
    assert "merged: GL-KP-UAR into GL-KP-IARSAI" in out and "moved 1 records, 1 households (1 renamed), 1 people" in out

    session.expire_all()
    uar = _unit(session, "GL-KP-UAR")
    assert (uar.active, uar.merged_into_id, uar.merged_on) == (False, ia_rsai_id, today)
    records = session.exec(select(SupportAction).order_by(SupportAction.id)).all()
    assert [(r.unit_id, r.origin_unit_id) for r in records] == [(ia_rsai_id, uar_id), (ia_rsai_id, None)]
    assert {u.unit_id for u in session.exec(select(User).where(User.display_name == "Nay H'Bia")).all()} == {ia_rsai_id}
    codes = sorted(h.code for h in session.exec(select(Household).where(Household.unit_id == ia_rsai_id)).all())
    assert codes == ["GL-KP-UAR-H-001", "H-001"]
    targets = session.exec(select(ReportingTarget).where(ReportingTarget.period_id == period_id)).all()
    assert [(t.unit_id, t.target) for t in targets] == [(ia_rsai_id, Decimal(50))]
    expected = session.exec(select(ReportingExpected).where(ReportingExpected.period_id == period_id)).all()
    assert [e.unit_id for e in expected] == [ia_rsai_id]
    past = session.exec(select(ReportingPeriod).where(ReportingPeriod.name == "Quý trước")).one()
    past_status = period_status(session, period=past)
    assert [(s.unit.code, s.submission is not None) for s in past_status.units] == [("GL-KP-UAR", True)]
    assert rollup_differences(session) == []

    # Over a range that crosses the effective date, the new commune's figure holds its old part.
    rice = compute_totals(session, unit=_unit(session, "GL-KP-IARSAI"), start=today - timedelta(days=1),
                          end=today)["rice"]
    assert (rice.records, rice.households, rice.quantities) == (2, 55, {"kg": Decimal(6610)})
    assert compute_totals(session, unit=uar, start=today - timedelta(days=1), end=today) == {}
    district = compute_totals(session, unit=_unit(session, "GL-KP"), start=today - timedelta(days=1), end=today)
    assert district["rice"].households == 55

    # The officer of the old commune now reports for the new one; the supervisor's lists leave Uar out
    # and the drill-down names where each record came from.
    admin: Chat = await enroll(role="admin", unit_code="GL")  # type: ignore[misc]
    await admin.send("/totals")
    await admin.tap("📍")
    await admin.tap("· huyện Krông Pa")
    await admin.tap("📍")
    assert not [b for b in admin.last.buttons() if "Uar" in b["text"]]
    await admin.tap("🔎 Tìm")
    [found] = await admin.send("uar")
    assert "Không có đơn vị nào khớp với “uar”" in found.text
    await admin.tap("✖ Tất cả")
    await admin.tap("· xã Ia Rsai")
    await admin.tap("🔎 Hỗ trợ gạo")
    listing = admin.last.text
    merged_on = f"{today.day}/{today.month}/{today.year}"
    assert "2 bản ghi" in listing and f"xã Ia Rsai (từ xã Uar cũ, sáp nhập ngày {merged_on})" in listing
    assert listing.count("xã Uar cũ") == 1

    # The same file again changes nothing.
    assert main(["merge-units", str(merge_file)]) == 0
    assert "already merged: GL-KP-UAR" in capsys.readouterr().out
    assert rollup_differences(session) == []


def test_a_bad_line_merges_nothing(database_url: str, session: Session, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    merge_file = tmp_path / "merge.csv"
    merge_file.write_text(MERGE_HEADER + "GL-KP-UAR,GL-KP-IARSAI,2025-07-01\n"
                          "GL-KP-CHUGU,GL-KP-NOWHERE,2025-07-01\nGL-KP-IAMLAH,GL-KP-IARMOK,31/2/2025\n"
                          "GL-KP-IARSAI,GL-KP-PHUCAN,2025-07-01\n", encoding="utf-8")
    assert main(["merge-units", str(merge_file)]) == 1
    err = capsys.readouterr().err
    assert "line 4: effective_date '31/2/2025' is not a date" in err
    merge_file.write_text(MERGE_HEADER + "GL-KP-UAR,GL-KP-IARSAI,2025-07-01\n"
                          "GL-KP-CHUGU,GL-KP-NOWHERE,2025-07-01\nGL-KP,GL-KP-PHUCAN,2025-07-01\n", encoding="utf-8")
    assert main(["merge-units", str(merge_file)]) == 1
    err = capsys.readouterr().err
    assert "line 3: unit GL-KP-NOWHERE is unknown" in err and "line 4: GL-KP-PHUCAN lies under GL-KP" in err
    assert "line 2: " not in err
    session.expire_all()
    assert all(u.active for u in session.exec(select(Unit)).all())


async def test_merging_a_district_puts_its_communes_under_the_new_one(
        enroll: Callable[..., object], database_url: str, session: Session, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Older trees keep working: a district merged into another takes its communes along (paths, the
    area rollup and the province's total follow)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["import-units", str(_district_file(tmp_path))]) == 0
    session.add(DigestSchedule(unit_id=_unit(session, "GL-KP").id or 0, weekday=5, at_time="16:00"))
    session.commit()
    officer: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await officer.send("gạo 45 hộ 5410kg")
    await officer.tap("✅ Lưu")
    merge_file = tmp_path / "merge.csv"
    merge_file.write_text(MERGE_HEADER + "GL-KP,GL-AP,2025-07-01\n", encoding="utf-8")
    assert main(["merge-units", str(merge_file)]) == 0
    session.expire_all()
    ayun_pa, ia_rsai = _unit(session, "GL-AP"), _unit(session, "GL-KP-IARSAI")
    assert ia_rsai.parent_id == ayun_pa.id and ia_rsai.path.startswith(ayun_pa.path)
    assert rollup_differences(session) == []
    schedule = session.exec(select(DigestSchedule)).one()
    assert (schedule.unit_id, schedule.weekday, schedule.at_time) == (ayun_pa.id, 5, "16:00")
    today = date.today()
    totals = {code: compute_totals(session, unit=_unit(session, code), start=today - timedelta(days=40),
                                         end=today + timedelta(days=1))
              for code in ("GL", "GL-AP", "GL-KP")}
    assert totals["GL"]["rice"].households == totals["GL-AP"]["rice"].households == 45 and totals["GL-KP"] == {}
    record = session.exec(select(SupportAction)).one()
    assert (record.unit_id, record.origin_unit_id) == (ia_rsai.id, None)  # its commune did not merge


def _district_file(tmp_path: Path) -> Path:
    path = tmp_path / "ayunpa.csv"
    path.write_text("code,name,kind,parent_code\nGL-AP,Ayun Pa,township,GL\n", encoding="utf-8")
    return path
