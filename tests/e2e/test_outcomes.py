"""Poverty outcomes end to end: the review's figures entered by line, by the guided form and by a sheet;
figures that do not add up refused with the reason; corrections kept as history and audited; rates
summed (never averaged) over a district's communes and over a province → commune tree; targets'
progress; the outcome in /totals, questions, the digest, the draft DOCX and the XLSX; in English too."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from bot.sandbox.fake_api import FakeTelegram
from db.models import AuditEntry
from db.models_outcomes import PovertyReview
from db.queries import get_unit_by_code
from tests.support.files import xlsx_bytes
from tests.support.harness import BotUnderTest, Chat

LINE = "rà soát {year}: 1.240 hộ, nghèo 96, cận nghèo 131, thoát nghèo 23, phát sinh 4"


@pytest.fixture
def year(bot: BotUnderTest) -> int:
    """The review year of the tests: this year (support logged today falls into it)."""
    return bot.runtime.today().year


def _reviews(session: Session, unit_code: str) -> list[PovertyReview]:
    session.expire_all()
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None
    return list(session.exec(select(PovertyReview).where(PovertyReview.unit_id == unit.id)
                             .order_by(col(PovertyReview.id))).all())


async def _send_file(chat: Chat, fake: FakeTelegram, bot: BotUnderTest, content: bytes, name: str,
                     caption: str | None = None) -> None:
    await bot.settle(fake.inject_document(chat.user, content, name, caption=caption) if caption
                     else fake.inject_document(chat.user, content, name))


async def test_a_review_line_is_checked_shown_and_saved(enroll: Callable[..., object], session: Session,
                                                        year: int) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    card = await chat.reply_text(LINE.format(year=year))
    assert f"Rà soát hộ nghèo năm {year} (rà soát cuối năm), xã Ia Rsai:" in card
    assert "• tổng số hộ: 1.240" in card and "• hộ thoát nghèo: 23" in card
    assert "Tỷ lệ hộ nghèo 7,7%, tỷ lệ hộ cận nghèo 10,6%." in card
    assert not _reviews(session, "GL-KP-IARSAI"), "nothing is saved before ✅"
    answer = "\n".join(m.text for m in await chat.tap("✅ Lưu"))
    assert "✅ Đã lưu." in answer
    # the start is what the flows imply: 96 + 23 − 4 = 115 poor (9,27%), so the rate fell 1,53 points
    assert "Tỷ lệ hộ nghèo giảm 1,5%, tương đương 19 hộ, còn 7,7%." in answer
    assert "23 hộ thoát nghèo, 4 hộ nghèo phát sinh." in answer
    [row] = _reviews(session, "GL-KP-IARSAI")
    assert (row.total_households, row.poor, row.near_poor, row.escaped, row.new_poor, row.fell_back, row.source) == (
        1240, 96, 131, 23, 4, None, "line")


async def test_figures_that_do_not_add_up_are_refused_with_the_reason(enroll: Callable[..., object],
                                                                      session: Session, year: int) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await chat.send(f"rà soát {year - 1}: 1.230 hộ, nghèo 115, cận nghèo 140")
    await chat.tap("✅ Lưu")
    refused = await chat.reply_text(f"rà soát {year}: 1.240 hộ, nghèo 100, cận nghèo 131, thoát nghèo 23, phát sinh 4")
    assert "Chưa thể lưu các số liệu này:" in refused
    assert ("Số hộ nghèo không khớp: 115 hộ (kết quả rà soát năm trước) − 23 thoát nghèo + 0 tái nghèo + 4 phát "
            "sinh = 96 hộ, nhưng số hộ nghèo ghi là 100.") in refused
    assert not any(b for m in chat.messages[-1:] for b in m.buttons()), "no ✅ under figures that do not add up"
    over = await chat.reply_text(f"rà soát {year}: 200 hộ, nghèo 96, cận nghèo 131")
    assert "96 hộ nghèo + 131 hộ cận nghèo nhiều hơn tổng số 200 hộ." in over
    missing = await chat.reply_text(f"rà soát {year}: 1.240 hộ, nghèo 96")
    assert "Còn thiếu số hộ cận nghèo." in missing
    unknown = await chat.reply_text(f"rà soát {year}: 1.240 hộ, nghèo 96, bò 3")
    assert "Tôi chưa đọc được “bo 3”" in unknown
    assert [r.year for r in _reviews(session, "GL-KP-IARSAI")] == [year - 1]


async def test_the_guided_form_and_a_correction_kept_in_history(enroll: Callable[..., object], session: Session,
                                                                year: int) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    first = await chat.reply_text(f"/review {year}")
    assert f"Rà soát hộ nghèo năm {year}, xã Ia Rsai" in first and "1/7: bao nhiêu tổng số hộ?" in first
    assert "2/7: bao nhiêu hộ nghèo?" in await chat.reply_text("1.240 hộ")
    await chat.send("96")
    assert "Vui lòng ghi một số nguyên" in await chat.reply_text("nhiều lắm")
    assert "4/7: bao nhiêu hộ thoát nghèo?" in await chat.reply_text("131")
    await chat.send("23")
    assert "6/7" in "\n".join(m.text for m in await chat.tap("⏭ Bỏ qua"))
    await chat.send("4")
    card = await chat.reply_text("-")
    assert "• hộ nghèo phát sinh: 4" in card and "tái nghèo" not in card
    await chat.tap("✅ Lưu")
    [row] = _reviews(session, "GL-KP-IARSAI")
    assert (row.poor, row.escaped, row.fell_back, row.new_poor, row.source, row.version) == (96, 23, None, 4, "form", 1)
    card = await chat.reply_text(LINE.format(year=year).replace("nghèo 96", "nghèo 95").replace("phát sinh 4",
                                                                                               "phát sinh 3"))
    assert "số cũ vẫn được lưu trong lịch sử" in card
    answer = "\n".join(m.text for m in await chat.tap("✅ Lưu"))
    assert "✅ Đã sửa (lần 2" in answer
    old, new = _reviews(session, "GL-KP-IARSAI")
    assert (old.status, old.poor, new.status, new.poor, new.version) == ("superseded", 96, "current", 95, 2)
    audit = session.exec(select(AuditEntry).where(AuditEntry.entity == "poverty_review")
                         .order_by(col(AuditEntry.id))).all()
    assert [a.action for a in audit] == ["create", "correct"]
    assert audit[1].details["changed"] == {"poor": [96, 95], "new_poor": [4, 3]}
    cancelled = await chat.send(f"/review {year}")
    assert cancelled
    await chat.send("/cancel")
    assert "Đã hủy" in chat.last.text
