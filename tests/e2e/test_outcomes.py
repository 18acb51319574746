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
    assert "Tôi chưa đọc được “bò 3”" in unknown
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
    await chat.send(f"/review {year}")
    await chat.send("/cancel")
    assert "Đã hủy" in chat.last.text
    await chat.send(f"/review {year}")
    await chat.send("1.240")
    over = await chat.reply_text(LINE.format(year=year))
    assert "• hộ thoát nghèo: 23" in over, "a whole line typed over the form replaces it"


SHEET_HEADER = ["Mã đơn vị", "Năm", "Tổng số hộ", "Hộ nghèo đầu năm", "Hộ nghèo", "Hộ cận nghèo", "Thoát nghèo",
                "Tái nghèo", "Phát sinh"]


async def test_a_sheet_by_a_district_and_rates_summed_never_averaged(enroll: Callable[..., object], fake: FakeTelegram,
                                                                     bot: BotUnderTest, session: Session,
                                                                     year: int) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    bad = [SHEET_HEADER, ["GL-KP-IARSAI", str(year), "1000", "120", "100", "80", "25", "0", "5"],
           ["GL-KP-CHUDRANG", str(year), "100", "55", "50", "10", "10", "1", "3"],
           ["GL-XX", str(year), "10", "", "1", "1", "", "", ""]]
    await _send_file(district, fake, bot, xlsx_bytes(bad), f"ra-soat-{year}.xlsx")
    refused = district.last.text
    assert "Chưa nhập gì" in refused
    assert ("Dòng 3 (xã Chư Drăng): Số hộ nghèo không khớp: 55 hộ (đầu năm) − 10 thoát nghèo + 1 tái nghèo + 3 phát "
            "sinh = 49 hộ, nhưng số hộ nghèo ghi là 50.") in refused
    assert "Dòng 4: “GL-XX” không phải là xã thuộc đơn vị của anh/chị." in refused
    assert not _reviews(session, "GL-KP-IARSAI"), "all or nothing"
    good = [SHEET_HEADER, ["GL-KP-IARSAI", str(year), "1000", "120", "100", "80", "25", "0", "5"],
            ["GL-KP-CHUDRANG", str(year), "100", "55", "50", "10", "10", "2", "3"]]
    await _send_file(district, fake, bot, xlsx_bytes(good), "bang.xlsx", caption=f"Rà soát {year}")
    assert "Đã nhập số liệu rà soát: 2 mới, 0 sửa, 0 không đổi." in district.last.text
    assert _reviews(session, "GL-KP-CHUDRANG")[0].source == "sheet"
    # 150 poor of 1.100 households is 13,6% (the average of 10% and 50% would be 30%); at the start 175 of
    # 1.100 (15,9%): 2,27 points and 25 households fewer
    answer = await district.reply_text(f"tỷ lệ hộ nghèo năm {year}?")
    assert f"Kết quả giảm nghèo năm {year}, huyện Krông Pa:" in answer
    assert "Tỷ lệ hộ nghèo giảm 2,3%, tương đương 25 hộ, còn 13,6%." in answer
    assert "Còn 150 hộ nghèo, 90 hộ cận nghèo trên tổng số 1.100 hộ; tỷ lệ hộ cận nghèo 8,2%." in answer
    assert f"2/14 xã đã có số liệu rà soát năm {year}." in answer
    escaped = await district.reply_text("bao nhiêu hộ thoát nghèo năm nay?")
    assert "35 hộ thoát nghèo, 2 hộ tái nghèo, 8 hộ nghèo phát sinh." in escaped
    totals = await district.reply_text("/totals")
    assert f"Kết quả giảm nghèo năm {year}" in totals and "còn 13,6%" in totals
    commune = await enroll(role="reporter", unit_code="GL-KP-CHUDRANG")  # type: ignore[misc]
    own = await commune.reply_text("tỷ lệ hộ nghèo?")  # type: ignore[attr-defined]
    assert "Tỷ lệ hộ nghèo giảm 5%, tương đương 5 hộ, còn 50%." in own and "xã đã có số liệu" not in own
    province: Chat = await enroll(role="supervisor", unit_code="GL")  # type: ignore[misc]
    book = load_workbook(io.BytesIO(next(m for m in await province.send("/export") if m.kind == "document")
                                    .file_bytes or b""))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    district_row = next(row for row in rows if row[1] == "huyện Krông Pa")
    assert district_row[-3:] == (150, 13.64, 2.27), "a district's rate is its communes' sums'"
    line = await district.reply_text(f"rà soát {year}: 10 hộ, nghèo 1, cận nghèo 1")
    assert "Số liệu rà soát được nhập theo từng xã" in line, "a district has no figures of its own"


TREE = ("code,name,kind,parent_code\nTQ,Tuyên Quang,province,\nTQ-A,Minh Quang,commune,TQ\n"
        "TQ-B,Lâm Bình,commune,TQ\nTQ-A-1,Thôn Nà Mèo,village,TQ-A\n")


@pytest.fixture
def province(session: Session, tmp_path: object) -> None:
    """A province after the 2025 reform: communes directly under it (and a village under one of them)."""
    from pathlib import Path

    from bot.domain.units.tree import import_units_csv

    path = Path(str(tmp_path)) / "units.csv"
    path.write_text(TREE, encoding="utf-8")
    import_units_csv(session, path)


async def test_a_province_of_communes_targets_digest_report_and_workbook(
        province: None, enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest, year: int) -> None:
    chief: Chat = await enroll(role="supervisor", unit_code="TQ")  # type: ignore[misc]
    rows = [["Đơn vị", "Năm", "Tổng số hộ", "Hộ nghèo", "Hộ cận nghèo", "Thoát nghèo", "Tái nghèo", "Phát sinh"],
            ["xã Minh Quang", str(year - 1), "2000", "500", "300", "", "", ""],
            ["Lâm Bình", str(year - 1), "1000", "100", "50", "", "", ""],
            ["xã Minh Quang", str(year), "2000", "420", "310", "90", "2", "8"],
            ["Lâm Bình", str(year), "1000", "95", "30", "10", "0", "5"]]
    await _send_file(chief, fake, bot, xlsx_bytes(rows), "ra_soat.xlsx")
    assert "4 mới" in chief.last.text
    target = await chief.reply_text(f"/target TQ {year} giảm 2,5%")
    # 600 → 515 poor of 3.000 households: 20% → 17,17%, 2,83 points = 113% of a 2,5-point target
    assert f"🎯 Chỉ tiêu năm {year}, tỉnh Tuyên Quang: giảm tỷ lệ hộ nghèo 2,5%." in target
    assert "Tỷ lệ hộ nghèo giảm 2,8%, tương đương 85 hộ, còn 17,2%, đạt 113,2% kế hoạch." in target
    households = await chief.reply_text(f"/target Lâm Bình {year} giảm 10 hộ")
    assert "Tỷ lệ hộ nghèo giảm 0,5%, tương đương 5 hộ, còn 9,5%, đạt 50% kế hoạch." in households
    digest = await chief.send("/digest")
    text = next(m.text for m in digest if m.kind == "text")
    assert text.startswith(f"📉 Kết quả giảm nghèo năm {year}\nTỷ lệ hộ nghèo giảm 2,8%, tương đương 85 hộ, còn "
                           "17,2%, đạt 113,2% kế hoạch.")
    assert f"2/2 xã đã có số liệu rà soát năm {year}." in text
    assert ("Còn 515 hộ nghèo, 340 hộ cận nghèo trên tổng số 3.000 hộ; tỷ lệ hộ cận nghèo 11,3% (giảm 0,3%, "
            "tương đương 10 hộ).") in text
    report = next(m for m in await chief.send("/report") if m.kind == "document")
    document = Document(io.BytesIO(report.file_bytes or b""))
    paragraphs = [p.text for p in document.paragraphs]
    first = next(i for i, p in enumerate(paragraphs) if p.startswith("I. "))
    assert paragraphs[first] == f"I. Kết quả giảm nghèo (năm {year})"
    assert paragraphs[first + 1] == "Tỷ lệ hộ nghèo giảm 2,8%, tương đương 85 hộ, còn 17,2%, đạt 113,2% kế hoạch."
    assert f"Chỉ tiêu năm {year}: giảm tỷ lệ hộ nghèo 2,5%." in paragraphs
    appendix = [[cell.text for cell in row.cells] for row in document.tables[-1].rows]
    header = appendix[0]
    rate_at = header.index(f"Tỷ lệ hộ nghèo ({year}, %)")
    assert header[rate_at - 1] == f"Số hộ nghèo ({year})" and header[rate_at + 1] == f"Tỷ lệ hộ nghèo giảm ({year}, %)"
    by_unit = {row[1]: row[rate_at - 1:rate_at + 2] for row in appendix[1:]}
    assert by_unit["xã Minh Quang"] == ["420", "21", "4"] and by_unit["xã Lâm Bình"] == ["95", "9,5", "0,5"]
    assert by_unit["Tổng cộng"] == ["515", "17,17", "2,83"], "the sums' rate, not the average of 21% and 9,5%"
    workbook = next(m for m in await chief.send("/export") if m.kind == "document")
    book = load_workbook(io.BytesIO(workbook.file_bytes or b""))
    first = list(book.worksheets[0].iter_rows(values_only=True))
    assert first[0][-3:] == (f"Số hộ nghèo ({year})", f"Tỷ lệ hộ nghèo ({year}, %)",
                             f"Tỷ lệ hộ nghèo giảm ({year}, %)")
    assert first[-1][-3:] == (515, 17.17, 2.83)
    sheet = book[f"Rà soát hộ nghèo {year}"]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:6] == ("Đơn vị", "Mã đơn vị", "Năm", "Tổng số hộ", "Hộ nghèo", "Tỷ lệ hộ nghèo (%)")
    by_code = {row[1]: row for row in table[1:]}
    assert by_code["TQ-B"][3:6] == (1000, 95, 9.5)
    assert by_code["TQ-A"][3:6] == (2000, 420, 21)
    assert by_code["TQ"][0] == "Tổng cộng: tỉnh Tuyên Quang" and by_code["TQ"][3:6] == (3000, 515, 17.17)
    assert by_code["TQ"][15:17] == (2.83, 85)


async def test_in_english(enroll: Callable[..., object], year: int) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", language_code="en")  # type: ignore[misc]
    card = await chat.reply_text(LINE.format(year=year))
    assert f"Poverty review {year} (annual review), Ia Rsai commune:" in card
    assert "Poverty rate 7.7%, near-poverty rate 10.6%." in card
    answer = "\n".join(m.text for m in await chat.tap("✅ Save"))
    assert "The poverty rate fell by 1.5 points, 19 households, now 7.7%." in answer
    refused = await chat.reply_text(f"rà soát {year}: 200 hộ, nghèo 96, cận nghèo 131")
    assert "96 poor + 131 near-poor households are more than the 200 households in all." in refused
    question = await chat.reply_text("what is the poverty rate?")
    assert f"Poverty reduction results {year}, Ia Rsai commune:" in question
    assert "23 households escaped poverty, 4 newly poor." in question
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", language_code="en")  # type: ignore[misc]
    report = next(m for m in await district.send("/report") if m.kind == "document")
    paragraphs = [p.text for p in Document(io.BytesIO(report.file_bytes or b"")).paragraphs]
    first = next(i for i, p in enumerate(paragraphs) if p.startswith("I. "))
    assert paragraphs[first:first + 2] == [f"I. Poverty reduction results ({year})",
                                           "The poverty rate fell by 1.5 points, 19 households, now 7.7%."]
    assert f"1/14 communes have review figures for {year}." in paragraphs


async def test_support_linked_to_outcome_counts_only(enroll: Callable[..., object], fake: FakeTelegram,
                                                     bot: BotUnderTest, year: int) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    register = [["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại"], ["HN-01", "Nguyễn Văn An", "Thôn 1", "Hộ nghèo"],
                ["TN-01", "Trần Thị Bình", "Thôn 2", "Hộ mới thoát nghèo"],
                ["TN-02", "Ksor Y Nhi", "Buôn 3", "Hộ mới thoát nghèo"]]
    await _send_file(chat, fake, bot, xlsx_bytes(register), "ho-ngheo.xlsx")
    await chat.tap("✅ Nhập 3 hộ")
    await chat.send("gạo 1 hộ 30kg")
    await chat.tap("✏️ Sửa")
    await chat.tap("Hộ nhận")
    await chat.send("TN-01")
    await chat.tap("Trần Thị Bình · Thôn 2 · TN-01")
    await chat.tap("✅ Lưu")
    await chat.send(LINE.format(year=year))
    await chat.tap("✅ Lưu")
    answer = await chat.reply_text("tỷ lệ hộ nghèo năm nay?")
    assert f"Trong 2 hộ thoát nghèo có trong danh sách, 1 hộ đã được hỗ trợ năm {year} (Hỗ trợ gạo: 1)." in answer
    assert f"Hộ nghèo trong danh sách chưa nhận hỗ trợ nào năm {year}: 1 (/unreached)." in answer
    assert not any(name in answer for name in ("Nguyễn Văn An", "Trần Thị Bình", "Ksor Y Nhi"))


async def test_an_update_during_the_year_then_the_annual_review(enroll: Callable[..., object], session: Session,
                                                                year: int) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    card = await chat.reply_text(f"rà soát 6 tháng {year}: 1.240 hộ, nghèo 110, cận nghèo 131")
    assert "(cập nhật 6 tháng)" in card
    await chat.tap("✅ Lưu")
    mid = await chat.reply_text(f"tỷ lệ hộ nghèo năm {year}?")
    assert "Tỷ lệ hộ nghèo 8,9% (110/1.240 hộ)." in mid and "Đây là số liệu cập nhật trong năm" in mid
    await chat.send(LINE.format(year=year))
    await chat.tap("✅ Lưu")
    final = await chat.reply_text(f"tỷ lệ hộ nghèo năm {year}?")
    assert "còn 7,7%" in final and "cập nhật trong năm" not in final
    assert sorted(r.stage for r in _reviews(session, "GL-KP-IARSAI")) == ["h1", "year"]


async def test_figures_only_for_the_users_own_tree(enroll: Callable[..., object], session: Session, year: int) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    refused = await chat.reply_text(f"/review GL-KP-CHUDRANG {year}: 100 hộ, nghèo 5, cận nghèo 6")
    assert "Anh/chị không thể nhập số liệu rà soát cho đơn vị đó" in refused
    assert not _reviews(session, "GL-KP-CHUDRANG")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await district.send(f"/review GL-KP-CHUDRANG {year}: 100 hộ, nghèo 5, cận nghèo 6")
    await district.tap("✅ Lưu")
    assert [r.entered_by_id is not None for r in _reviews(session, "GL-KP-CHUDRANG")] == [True]
    other = await chat.reply_text("/target GL-KP giảm 3%")
    assert "Chỉ tiêu do đơn vị cấp trên giao." in other and "🎯" not in other


async def test_fall_since_the_programme_period_started(province: None, enroll: Callable[..., object],
                                                       fake: FakeTelegram, bot: BotUnderTest) -> None:
    chief: Chat = await enroll(role="supervisor", unit_code="TQ")  # type: ignore[misc]
    rows = [["Mã đơn vị", "Năm", "Tổng số hộ", "Hộ nghèo", "Hộ cận nghèo"],
            ["TQ-A", "2025", "2000", "500", "300"], ["TQ-A", "2026", "2000", "450", "300"],
            ["TQ-A", "2027", "2000", "400", "300"], ["TQ-B", "2025", "1000", "100", "50"],
            ["TQ-B", "2027", "1000", "80", "50"]]
    await _send_file(chief, fake, bot, xlsx_bytes(rows), "ra-soat.xlsx")
    answer = await chief.reply_text("tỷ lệ hộ nghèo năm 2027?")
    assert "Tỷ lệ hộ nghèo giảm 2,5%, tương đương 50 hộ, còn 16%." in answer
    assert "Mức giảm tính trên 1 xã có số liệu đầu năm." in answer
    assert "Từ đầu giai đoạn 2026–2030, tỷ lệ hộ nghèo giảm 4%, tương đương 120 hộ." in answer
    older = await chief.reply_text("tỷ lệ hộ nghèo năm 2024?")
    assert "Tuyên Quang chưa có số liệu rà soát" in older
