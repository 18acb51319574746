"""Figures an official can sign, end to end through the fake Bot API: exact money, partial sums said as
such, and organisations named at the level of their unit (a city's People's Committee is not "UBND xã")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.domain.parsing.numbers import parse_money
from bot.domain.units.tree import import_units_csv
from db.models import SupportAction
from tests.support.harness import Chat


@pytest.fixture
def city(session: Session, tmp_path: Path) -> None:
    """A city directly under the province, with no units of another level under it."""
    csv = tmp_path / "units.csv"
    csv.write_text("code,name,kind,parent_code\nGL-PK,Pleiku,city,GL\n", encoding="utf-8")
    import_units_csv(session, csv)
    session.commit()


async def test_city_people_s_committee_exact_money_and_partial_households(enroll: Callable[..., object], city: None,
                                                                          session: Session) -> None:
    officer: Chat = await enroll(role="reporter", unit_code="GL-PK", organisation="commune_pc")  # type: ignore[assignment]
    card = (await officer.send("quà tết 1.500 suất 410 hộ 1.234.500.000đ"))[-1].text
    assert "UBND thành phố" in card and "UBND xã" not in card
    assert "1.234,5 triệu đồng" in card  # not "1,23 tỷ đồng"
    await officer.tap("✅ Lưu")
    await officer.send("qua tet 850 suat 9tr")
    saved = await officer.tap("✅ Lưu")
    # The running total: 410 households were given by one of the two records, and it says so.
    assert "2.350 suất, 1.243,5 triệu đồng; 1/2 lượt có ghi số hộ: 410 hộ" in saved[-1].text
    assert [a.households for a in session.exec(select(SupportAction).order_by(SupportAction.id)).all()] == [410, None]

    [totals] = await officer.send("/totals")
    assert "Tặng 2.350 suất quà trị giá 1.243,5 triệu đồng; 1/2 lượt có ghi số hộ: 410 hộ" in totals.text
    assert "(1.500 suất" not in totals.text and "(410 hộ)" not in totals.text
    assert "Tổng trị giá: 1.243,5 triệu đồng" in totals.text
    # Every amount printed reads back, with the bot's own parser, to the stored sum to the đồng.
    assert parse_money("1.243,5 triệu đồng") == 1_234_500_000 + 9_000_000
    await officer.tap("🏢 Tất cả tổ chức")
    assert any(button["text"] == "UBND thành phố" for button in officer.last.buttons())
    await officer.tap("UBND thành phố")
    assert "tổ chức: UBND thành phố" in officer.last.text


async def test_a_commune_officer_still_reads_ubnd_xa_and_english_follows_the_level(enroll: Callable[..., object],
                                                                                   city: None) -> None:
    commune: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="commune_pc")  # type: ignore[assignment]
    card = (await commune.send("gạo 45 hộ 5410kg 81,15tr"))[-1].text
    assert "UBND xã" in card
    english: Chat = await enroll(role="reporter", unit_code="GL-PK", organisation="commune_pc",  # type: ignore[assignment]
                                 language_code="en")
    card = (await english.send("gao 45 ho 5410kg 12.345,67tr"))[-1].text
    assert "Pleiku city PC" in card and "12,345.67 million VND" in card
