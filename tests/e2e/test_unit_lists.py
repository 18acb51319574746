"""Lists of units on a post-2025 province of 110 communes and wards, end to end through the fake Bot API:
"By unit" and the unit picker of /totals, /status, the digest, the drill-down, the /invite and /users unit
pickers and /unreached. Each shows a summary line first, ranks its units for the reader, pages ten at a
time with ◀ ▶, finds a unit by part of its name with or without accents (🔎), and refuses a press from
someone the list is not for.

The province (built here): Lạng Sơn (LS) with 110 units, the first 8 wards, the rest communes, named from
two syllable lists ("Bình Gia", "Văn Lũng"…). Records: units 0–29 this month (0–19 new, 20–29 also last
month), units 20–44 last month, the rest silent. Reporting period of this month: units 0–40 submitted on
time, 41–46 late, the rest not yet.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.households.register import upsert_household
from bot.domain.parsing.text import fold
from bot.domain.periods import submissions as reporting
from bot.domain.periods.calendar import month_of
from bot.domain.records.actions import Draft, save_draft
from bot.domain.units.tree import import_units_csv
from bot.i18n import get_translator
from db.models import Role, Unit, User
from db.queries import get_unit_by_code
from tests.support.harness import Chat

CATALOGUE = load_catalogue_file()
GENERIC_ERROR = get_translator("vi")("Sorry, something went wrong on our side. Please try again in a moment.")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST = ["Bình", "Hoà", "Tân", "Văn", "Hữu", "Quốc", "Đồng", "Chi", "Bắc", "Hồng", "Thiện", "Vân"]
SECOND = ["Gia", "Lũng", "Sơn", "Lâm", "Khánh", "Thành", "Lạc", "Mỹ", "Xuân", "Yên"]
NAMES = [f"{a} {b}" for a in FIRST for b in SECOND][:110]
WARDS = 8
Enroll = Callable[..., Any]


def _today() -> date:
    return datetime.now(TZ).date()


def _label(index: int) -> str:
    return ("phường " if index < WARDS else "xã ") + NAMES[index]


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def _code(index: int) -> str:
    return f"LS-{index:03d}"


@pytest.fixture
def province(session: Session) -> dict[int, User]:
    """The tree, one reporter in each of the first 47 units, their records, and households left behind in
    three communes. Returns the reporters by unit index."""
    lines = ["code,name,kind,parent_code", "LS,Lạng Sơn,province,"]
    lines += [f"{_code(i)},{name},{'ward' if i < WARDS else 'commune'},LS" for i, name in enumerate(NAMES)]
    lines += [f"{_code(0)}-T{v},Thôn {v},village,{_code(0)}" for v in (1, 2)]
    import_units_csv(session, "\n".join(lines) + "\n")
    today = _today()
    last_month = month_of(today).previous().start
    reporters: dict[int, User] = {}
    for index in range(47):
        user = User(telegram_id=8_100_000 + index, display_name=f"Cán bộ {index}", role=Role.REPORTER,
                    unit_id=_unit(session, _code(index)).id or 0)
        session.add(user)
        reporters[index] = user
    session.commit()
    for index in range(45):
        when = [today] if index < 20 else [today, last_month] if index < 30 else [last_month]
        for day in when:
            # This month's value grows with the index: unit 29 changed most of 20–29 against last month.
            value = 1_000_000 * (index + 1) * (3 if day == today and index >= 20 else 1)
            draft = Draft(action_date=day.isoformat(), category="rice", households=index + 1, quantity="10",
                          value_dong=value)
            save_draft(session, draft=draft, author=reporters[index], catalogue=CATALOGUE, today=today)
    for index, count in ((60, 3), (70, 1), (5, 2)):
        for number in range(count):
            upsert_household(session, user=reporters[0], unit=_unit(session, _code(index)), code=f"H{index}-{number}",
                             head_name=f"Chủ hộ {index}-{number}", village=None, classification="poor",
                             year=today.year, members=4)
    return reporters


@pytest.fixture
async def supervisor(enroll: Enroll, province: dict[int, User], session: Session) -> Chat:
    chat: Chat = await enroll(role="supervisor", unit_code="LS", name="Sở Nông nghiệp và Môi trường")
    user = session.exec(select(User).where(User.telegram_id == chat.user.id)).one()
    month = month_of(_today())
    period, _ = reporting.create_period(session, user=user, name="Báo cáo tháng", kind="custom", start=month.start,
                                       end=month.end, due=month.end + timedelta(days=5),
                                       now=datetime.now(TZ))
    on_time, late = datetime.now(TZ), datetime.combine(period.due + timedelta(days=2), datetime.min.time(), TZ)
    for index in range(47):
        reporting.submit(session, user=province[index], period=period, now=on_time if index < 41 else late, tz=TZ)
    return chat


def _page(text: str) -> tuple[int, int]:
    found = re.search(r"[Tt]rang (\d+)/(\d+)", text)
    assert found, text
    return int(found.group(1)), int(found.group(2))


def _buttons(chat: Chat) -> list[str]:
    return [b["text"] for b in chat.last.buttons()]


async def _search(chat: Chat, typed: str) -> str:
    """🔎, then the typed line: the list comes back as a new message."""
    await chat.tap("🔎 Tìm")
    assert "Gõ một phần tên đơn vị" in chat.last.text
    [answer] = await chat.send(typed)
    return answer.text


async def test_totals_by_unit_and_the_unit_picker(supervisor: Chat) -> None:
    await supervisor.send("/totals")
    await supervisor.tap("Theo đơn vị")
    text = supervisor.last.text
    assert "110 xã, phường: 30 có số liệu, 80 chưa có số liệu" in text
    assert _page(text) == (1, 11)
    # Ranked: a first figure is the largest change there is, so the ten shown are new this month.
    shown = [i for i in range(110) if f"{_label(i)}: " in text]
    assert len(shown) == 10 and all(i < 20 for i in shown), shown
    assert "◀" not in _buttons(supervisor) and "▶" in _buttons(supervisor)
    await supervisor.tap("▶")
    text = supervisor.last.text
    assert _page(text) == (2, 11)
    page_two = [i for i in range(110) if f"{_label(i)}: " in text]
    assert sorted(page_two) == list(range(10, 20)) or all(i < 30 for i in page_two), page_two
    await supervisor.tap("▶")
    text = supervisor.last.text
    # Then the units that also had figures last month, the largest change first, with the change said.
    assert f"{_label(29)}: 1 lượt hỗ trợ, trị giá 90 triệu đồng (tăng 200% so với" in text
    assert "tăng 200%" in text
    await supervisor.tap("◀")
    assert _page(supervisor.last.text) == (2, 11)

    # 🔎 with and without accents; a search that finds nothing says so and offers the whole list again.
    text = await _search(supervisor, "binh gia")
    assert "🔎 “binh gia”: 1/110 đơn vị" in text and "phường Bình Gia: 1 lượt hỗ trợ" in text
    text = await _search(supervisor, "Lũng")
    lung = [i for i, name in enumerate(NAMES) if "lung" in fold(name)]
    assert f"🔎 “Lũng”: {len(lung)}/110 đơn vị · trang 1/2" in text
    assert len([i for i in lung if f"{_label(i)}: " in text]) == 10
    assert not [i for i in range(110) if i not in lung and f"{_label(i)}: " in text]
    text = await _search(supervisor, "lung")
    assert f"🔎 “lung”: {len(lung)}/110 đơn vị" in text
    text = await _search(supervisor, "zzz")
    assert "Không có đơn vị nào khớp với “zzz”" in text
    await supervisor.tap("✖ Tất cả")
    assert _page(supervisor.last.text) == (1, 11)

    # The picker: ten by name a page, ◀ ▶, 🔎; a unit with villages opens with ›.
    await supervisor.send("/totals")
    await supervisor.tap("📍 tỉnh Lạng Sơn")
    text, buttons = supervisor.last.text, _buttons(supervisor)
    assert "Chọn đơn vị" in text and "110 xã, phường" in text and "Trang 1/11" in text
    by_name = sorted(range(110), key=lambda i: fold(NAMES[i]))
    assert [b for b in buttons if b.startswith("· ")] == [f"· {_label(i)}" for i in by_name[:10]]
    await supervisor.tap("▶")
    assert "Trang 2/11" in supervisor.last.text
    assert next(b for b in _buttons(supervisor) if b.startswith("· ")).startswith(f"· {_label(by_name[10])}")
    await _search(supervisor, "bình gia")
    assert "· phường Bình Gia ›" in _buttons(supervisor)  # it has villages: › opens them
    text = await _search(supervisor, "van lung")
    assert "🔎 “van lung”: 1/110 đơn vị" in text
    await supervisor.tap("· xã Văn Lũng")
    assert "Tổng hợp" in supervisor.last.text and "xã Văn Lũng" in supervisor.last.text


async def test_status_lists_missing_and_late_first(supervisor: Chat, session: Session) -> None:
    user = session.exec(select(User).where(User.telegram_id == supervisor.user.id)).one()
    [period] = reporting.periods_of_supervisor(session, user=user)
    for index in range(12):  # targets of twelve units: ten shown, then how many more
        reporting.set_target(session, user=user, period=period, unit=_unit(session, _code(index)), category_code="rice",
                             measure="households", target=Decimal(10), now=datetime.now(TZ))
    await supervisor.send("/status")
    text = supervisor.last.text
    assert text.count("🎯 ") == 10 and "… và 2 chỉ tiêu khác (/target để xem tất cả)." in text
    assert "110 xã, phường: 41 đã nộp, 63 chưa, 6 trễ hạn" in text
    assert _page(text) == (1, 11)
    assert text.count("❌ chưa nộp") == 10 and "⏰" not in text and "✅ đúng hạn" not in text
    for _ in range(6):
        await supervisor.tap("▶")
    text = supervisor.last.text
    assert _page(text) == (7, 11)  # 63 not submitted fill six pages and three lines of the seventh
    assert text.count("❌ chưa nộp") == 3 and text.count("⏰ nộp muộn") == 6 and text.count("✅ đúng hạn") == 1
    text = await _search(supervisor, "hong")
    hong = [i for i, name in enumerate(NAMES) if fold(name).startswith("hong")]
    assert f"🔎 “hong”: {len(hong)}/110 đơn vị" in text
    assert all(_label(i) in text for i in hong)


async def test_digest_fits_one_message_with_every_unit_in_the_workbook(supervisor: Chat, session: Session) -> None:
    replies = await supervisor.send("/digest")
    texts = [m for m in replies if not m.file_bytes]
    assert len(texts) == 1, "the province's digest is one message"
    text = texts[0].text
    assert len(text) <= 4096
    assert "110 xã, phường: 30 có số liệu, 80 chưa có số liệu" in text
    assert "… và 20 đơn vị khác trong tệp Excel." in text
    assert "Chưa có số liệu: " in text and "và 70 đơn vị khác." in text
    listed = [i for i in range(110) if f"• {_label(i)}: " in text]
    assert len(listed) == 10
    document = next(m for m in replies if m.file_name and m.file_name.endswith(".xlsx"))
    book = load_workbook(io.BytesIO(document.file_bytes or b""))
    cells = {str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
    assert all(any(_label(i) in cell for cell in cells) for i in range(110)), "every unit, silent ones too"


async def test_drilldown_lists_units_by_records(supervisor: Chat) -> None:
    await supervisor.send("/totals")
    await supervisor.tap("🔎 Hỗ trợ gạo")
    await supervisor.tap("📍 Theo đơn vị")
    text = supervisor.last.text
    assert "110 xã, phường: 30 có lượt ghi nhận (30 lượt)" in text and _page(text) == (1, 11)
    buttons = _buttons(supervisor)
    assert any(b.startswith("phường Bình Gia · 1") for b in buttons)
    await supervisor.tap("▶")
    assert _page(supervisor.last.text) == (2, 11)
    await _search(supervisor, "binh gia")
    await supervisor.tap("phường Bình Gia · 1")
    text = supervisor.last.text
    assert "phường Bình Gia: 1 bản ghi" in text and "Cán bộ 0" in text


async def test_invite_and_users_pickers(supervisor: Chat, enroll: Enroll) -> None:
    await supervisor.send("/invite")
    await supervisor.tap("báo cáo viên")
    text, buttons = supervisor.last.text, _buttons(supervisor)
    assert "110 xã, phường" in text and "Trang 1/11" in text
    assert buttons[1] == "xã Bắc Gia" and "▶" in buttons and "◀" not in buttons
    await supervisor.tap("▶")
    assert "Trang 2/11" in supervisor.last.text
    await supervisor.tap("◀")
    assert "Trang 1/11" in supervisor.last.text
    text = await _search(supervisor, "Yen")
    yen = [i for i, name in enumerate(NAMES) if name.endswith("Yên")]
    assert f"🔎 “Yen”: {len(yen)}/110 đơn vị" in text
    await supervisor.tap(_label(yen[0]))
    assert "tổ chức" in supervisor.last.text

    await enroll(role="reporter", unit_code=_code(100), name="Lương Văn Tâm")
    await supervisor.send("/users")
    await supervisor.tap(next(b for b in _buttons(supervisor) if "Lương Văn Tâm" in b))
    await supervisor.tap("🏢")
    text, buttons = supervisor.last.text, _buttons(supervisor)
    assert "110 xã, phường" in text and "Trang 1/11" in text and "▶" in buttons
    await supervisor.tap("▶")
    assert "Trang 2/11" in supervisor.last.text
    await _search(supervisor, "thien son")
    await supervisor.tap("xã Thiện Sơn")
    assert "Đã đổi đơn vị" in supervisor.last.text


async def test_unreached_by_unit(supervisor: Chat) -> None:
    await supervisor.send("/unreached")
    text = next(m.text for m in reversed(supervisor.messages) if "Năm" in m.text)
    assert "110 xã, phường: 3 còn hộ chưa được hỗ trợ (6 hộ)" in text
    assert text.index(f"{_label(60)}: 3 hộ") < text.index(f"{_label(5)}: 2 hộ") < text.index(f"{_label(70)}: 1 hộ")
    message = next(m for m in reversed(supervisor.messages) if "Năm" in m.text)
    [shown] = await supervisor.tap(f"{_label(60)} · 3", message=message)
    assert "Chủ hộ 60-0" in shown.text and "Chủ hộ 60-2" in shown.text and "Chủ hộ 5-0" not in shown.text
    await supervisor.tap("↩️ Về danh sách", message=shown)
    assert f"{_label(70)}: 1 hộ" in message.text


async def test_a_press_from_someone_the_list_is_not_for_is_refused(supervisor: Chat, enroll: Enroll,
                                                                     session: Session) -> None:
    reporter: Chat = await enroll(role="reporter", unit_code=_code(3), name="Hoàng Thị Mai")
    [reply] = await reporter.send("/totals")
    other = _unit(session, _code(60)).id
    for data in ("ul:pg:st:1", "ul:pg:pick:1", "ul:find:inv", "ul:all:usr", f"dd:u:rice:{other}", f"unr:u:{other}"):
        before = len(reporter.fake.calls_to("answerCallbackQuery"))
        await reporter.tap_data(reply, data)
        answers = reporter.fake.calls_to("answerCallbackQuery")[before:]
        assert answers and answers[-1].params.get("show_alert") in (True, "true", "True"), data
        assert answers[-1].params.get("text") not in (None, "", GENERIC_ERROR), data
    assert "Chủ hộ 60" not in "\n".join(m.text for m in reporter.messages)
    # A search typed after a refused 🔎 is not a search: nothing waits for it.
    assert "🔎" not in (await reporter.reply_text("xã Bình Gia"))
