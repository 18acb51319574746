"""/totals, the 📊 button, plain questions, /export and /report end to end: scopes, periods,
permissions, ambiguous questions with buttons, files parsed back and checked against the database."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.periods.calendar import month_of
from bot.domain.records.actions import Draft, save_draft
from bot.domain.totals.aggregate import compute_totals
from bot.i18n import get_translator
from db.models import Role, SupportAction, Unit, User
from db.queries import get_unit_by_code
from tests.support.harness import Chat

CATALOGUE = load_catalogue_file()
VI = get_translator("vi")


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def _author(session: Session, unit_code: str, telegram_id: int, name: str) -> User:
    user = User(telegram_id=telegram_id, display_name=name, role=Role.REPORTER,
                unit_id=_unit(session, unit_code).id or 0)
    session.add(user)
    session.commit()
    return user


def _log(session: Session, user: User, day: date, **figures: object) -> SupportAction:
    fields = figures.pop("fields", {})
    draft = Draft(action_date=day.isoformat(), fields=dict(fields), **figures)  # type: ignore[arg-type]
    return save_draft(session, draft=draft, author=user, catalogue=CATALOGUE, today=_today()).action


@pytest.fixture
def figures(session: Session) -> dict[str, User]:
    """This month: rice in Ia Rsai (one record names a household) and Chư Gu, housing in Chư Gu;
    last month: rice in Chư Gu."""
    today = _today()
    last_month = month_of(today).previous().start
    ia_rsai = _author(session, "GL-KP-IARSAI", 7_000_001, "Ksor H'Lan")
    chu_gu = _author(session, "GL-KP-CHUGU", 7_000_002, "Rơ Châm Tuấn")
    _log(session, ia_rsai, today, category="rice", households=45, persons=108, quantity="5410", value_dong=81_150_000,
         organisation="womens_union")
    _log(session, ia_rsai, today, category="rice", households=1, quantity="20", household_name="Nguyễn Văn Riêng Tư",
         organisation="womens_union")
    _log(session, chu_gu, today, category="rice", households=5, quantity="600", value_dong=9_000_000)
    _log(session, chu_gu, today, category="housing", households=2, quantity="2", fields={"build_type": "new"},
         value_dong=100_000_000)
    _log(session, chu_gu, last_month, category="rice", households=10, quantity="1000", value_dong=45_075_000)
    return {"ia_rsai": ia_rsai, "chu_gu": chu_gu}


@pytest.fixture
async def district(enroll: Callable[..., object], figures: dict[str, User]) -> Chat:
    return await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐ-TB&XH")  # type: ignore[misc,no-any-return]


def _this_month() -> str:
    return month_of(_today()).label(VI)


def _last_month() -> str:
    return month_of(_today()).previous().label(VI)


async def test_supervisor_totals_scope_period_and_breakdowns(district: Chat) -> None:
    [reply] = await district.send("/totals")
    assert f"Tổng hợp {_this_month()}, huyện Krông Pa" in reply.text
    # Persons and value were given by only some of the rice records: said as such, never as the whole
    # (the change is measured on the households, which every record gave: 51 against 10).
    assert "Hỗ trợ gạo cho 51 hộ với 6.030 kg; 1/3 lượt có ghi số khẩu: 108 khẩu; 2/3 lượt có ghi trị giá: " \
           f"90,15 triệu đồng (tăng 410% so với {_last_month()})." in reply.text
    assert "Hỗ trợ gạo cho 51 hộ, 108 khẩu" not in reply.text
    assert "Hỗ trợ nhà ở cho 2 hộ, trong đó xây mới 2 căn, kinh phí 100 triệu đồng" in reply.text
    assert reply.text.endswith("\nTổng trị giá (3/4 lượt có ghi trị giá): 190,15 triệu đồng")  # no change on a part
    assert "Riêng Tư" not in reply.text
    await district.tap("📍 huyện Krông Pa")
    assert "Chọn đơn vị" in district.last.text
    await district.tap("· xã Ia Rsai")
    text = district.last.text
    assert f"Tổng hợp {_this_month()}, xã Ia Rsai" in text
    assert "Hỗ trợ gạo cho 46 hộ với 5.430 kg; 1/2 lượt có ghi số khẩu: 108 khẩu; 1/2 lượt có ghi trị giá: " \
           "81,15 triệu đồng" in text and "nhà ở" not in text
    await district.tap(f"🗓 {_this_month()}")
    await district.tap(_last_month())
    assert f"Chưa ghi nhận hỗ trợ nào trong {_last_month()}." in district.last.text
    await district.tap(f"🗓 {_last_month()}")
    await district.tap(_this_month())
    await district.tap("📍 xã Ia Rsai")
    await district.tap("🌐 Toàn bộ: huyện Krông Pa")
    await district.tap("Theo đơn vị")
    text = district.last.text
    assert "Theo đơn vị:" in text
    # A ranked list: the units with figures first (the largest change first), ten a page.
    assert f"xã Chư Gu: 2 lượt hỗ trợ, trị giá 109 triệu đồng (tăng 141,8% so với {_last_month()})\n" in text
    assert text.index("xã Ia Rsai: ") < text.index("xã Chư Gu: ") < text.index("xã Chư Drăng: chưa có số liệu")
    assert "14 xã, thị trấn: 2 có số liệu, 12 chưa có số liệu" in text and "xã Uar" not in text
    await district.tap("▶")
    assert "xã Uar: chưa có số liệu" in district.last.text and "xã Chư Gu" not in district.last.text
    await district.tap("✅ Theo đơn vị")
    await district.tap("Theo tổ chức")
    assert "Hội LHPN" in district.last.text
    await district.tap("📦 Tất cả loại hỗ trợ")
    await district.tap("Hỗ trợ nhà ở")
    assert "loại hỗ trợ: Hỗ trợ nhà ở" in district.last.text and "gạo" not in district.last.text.split("\n")[2]


async def test_reporter_sees_own_unit_only_and_forged_buttons_are_refused(enroll: Callable[..., object],
                                                                         figures: dict[str, User],
                                                                         session: Session) -> None:
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU")  # type: ignore[assignment]
    [reply] = await reporter.send("📊 Tổng hợp")
    assert f"Tổng hợp {_this_month()}, xã Chư Gu" in reply.text
    assert "5 hộ" in reply.text and "45 hộ" not in reply.text
    assert not any(b["text"].startswith("📍") for b in reply.buttons())
    district_id = _unit(session, "GL-KP").id
    await reporter.tap_data(reply, f"tot:u:{district_id}")
    assert reporter.fake.calls_to("answerCallbackQuery")[-1].params.get("show_alert") in (True, "true", "True")
    [again] = await reporter.send("/totals")
    assert "xã Chư Gu" in again.text and "huyện Krông Pa" not in again.text
    await reporter.send("xã Ia Rsai tháng này")
    assert "Bạn chỉ xem được số liệu của đơn vị mình." in "\n".join(m.text for m in reporter.messages[-2:])
    assert "45 hộ" not in reporter.last.text


async def test_plain_questions_with_and_without_diacritics(district: Chat) -> None:
    for question in ("tổng gạo tháng này", "tong gao thang nay"):
        [reply] = await district.send(question)
        assert "loại hỗ trợ: Hỗ trợ gạo" in reply.text and "Hỗ trợ gạo cho 51 hộ" in reply.text
    [reply] = await district.send("xa ia rsai thang truoc")
    assert f"Tổng hợp {_last_month()}, xã Ia Rsai" in reply.text
    [reply] = await district.send("bao nhiêu hộ được hỗ trợ gạo tháng này")
    assert "Số hộ: 51" in reply.text


async def test_ambiguous_questions_get_buttons(district: Chat) -> None:
    [reply] = await district.send("xã Chư tháng này")
    assert "Bạn muốn hỏi đơn vị nào?" in reply.text
    assert sorted(b["text"].strip() for b in reply.buttons()) == ["xã Chư Drăng", "xã Chư Gu", "xã Chư Ngọc",
                                                                   "xã Chư Rcăm"]
    await district.tap("xã Chư Gu")
    assert f"Tổng hợp {_this_month()}, xã Chư Gu" in district.last.text
    [reply] = await district.send("tổng gạo?")
    assert "Bạn muốn xem kỳ nào?" in reply.text
    await district.tap(_last_month())
    assert f"Tổng hợp {_last_month()}, huyện Krông Pa" in district.last.text
    assert "Hỗ trợ gạo cho 10 hộ" in district.last.text


async def test_quick_entry_is_not_taken_for_a_question(district: Chat) -> None:
    [reply] = await district.send("gạo 45 hộ 108 khẩu 5410kg 81,15tr")
    assert "✅ Lưu" in [b["text"] for b in reply.buttons()]


async def test_export_matches_the_database_cell_by_cell(district: Chat, session: Session) -> None:
    await district.send("/export")
    document = district.last
    assert document.file_name and document.file_name.endswith(".xlsx") and document.file_bytes
    workbook = load_workbook(io.BytesIO(document.file_bytes))
    summary, detail = workbook["Tổng hợp"], workbook["Chi tiết"]
    assert summary.freeze_panes == "A2" and detail.freeze_panes == "A2"
    assert [c.value for c in summary[1]] == ["Đơn vị", "Loại hỗ trợ", "Số lượt", "Số hộ", "Số khẩu", "Số lượng",
                                             "Đơn vị tính", "Trị giá (đồng)", "Số liệu chỉ có ở một số lượt"]
    today = _today()
    period = month_of(today)
    rows = {(r[0], r[1]): r for r in summary.iter_rows(min_row=2, values_only=True)}
    for code, label in (("GL-KP-IARSAI", "xã Ia Rsai"), ("GL-KP-CHUGU", "xã Chư Gu"), ("GL-KP", "Tổng cộng")):
        totals = compute_totals(session, unit=_unit(session, code), start=period.start, end=period.end)
        for category, total in totals.items():
            spec = CATALOGUE.category_by_code(category)
            assert spec is not None
            row = rows[(label, spec.name_vi)]
            assert row[2] == total.records and (row[3] or 0) == total.households
            assert (row[4] or 0) == total.persons and (row[7] or 0) == total.value_dong
            assert row[5] == total.quantity
    # The rice sums of Ia Rsai and of the district are partial, and their rows say which ones.
    assert rows[("xã Ia Rsai", "Hỗ trợ gạo")][8] == "Số khẩu: có ghi ở 1/2 lượt; Trị giá: có ghi ở 1/2 lượt"
    assert rows[("Tổng cộng", "Hỗ trợ gạo")][8] == "Số khẩu: có ghi ở 1/3 lượt; Trị giá: có ghi ở 2/3 lượt"
    assert rows[("xã Chư Gu", "Hỗ trợ gạo")][8] is None
    assert summary.cell(row=2, column=8).number_format == "#,##0"
    session.expire_all()
    actions = session.exec(select(SupportAction).where(SupportAction.action_date >= period.start)
                           .order_by(SupportAction.action_date, SupportAction.id)).all()
    details = list(detail.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in details] == [a.id for a in actions]
    named = next(r for r in details if r[13])
    assert named[13] == "Nguyễn Văn Riêng Tư" and named[15] == "Ksor H'Lan"
    assert detail.cell(row=2, column=2).number_format == "dd/mm/yyyy"
    logged_at = details[0][16]
    assert isinstance(logged_at, datetime)
    assert abs((logged_at - datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)).total_seconds()) < 3600


async def test_report_docx_in_the_administrative_style(district: Chat) -> None:
    await district.send("/report tháng này")
    document = district.last
    assert document.file_name and document.file_name.endswith(".docx") and document.file_bytes
    docx = Document(io.BytesIO(document.file_bytes))
    heading = "\n".join(cell.text for cell in docx.tables[0].rows[0].cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in heading and "Độc lập - Tự do - Hạnh phúc" in heading
    assert "HUYỆN KRÔNG PA" in heading and "Số: .../BC-UBND" in heading
    today = _today()
    assert f"Krông Pa, ngày {today.day} tháng {today.month} năm {today.year}" in heading
    body = "\n".join(p.text for p in docx.paragraphs)
    assert "BÁO CÁO" in body and f"Kết quả thực hiện hỗ trợ hộ nghèo {_this_month()}" in body
    assert "Hỗ trợ gạo cho 51 hộ với 6.030 kg; 1/3 lượt có ghi số khẩu: 108 khẩu; 2/3 lượt có ghi trị giá: " \
           "90,15 triệu đồng" in body
    assert "Tổng trị giá (3/4 lượt có ghi trị giá): 190,15 triệu đồng." in body
    assert "II. Kết quả theo tổ chức" in body and "Hội LHPN" in body
    assert "Riêng Tư" not in body
