"""/report: the draft an office can send, read back with python-docx block by block (Decree 30/2020):
heading, title, figures, reporting by the units, open double counts, the office's placeholders, and the
closing blocks ("Nơi nhận:", the signature block left blank to sign)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.periods import submissions as reporting
from bot.domain.periods.calendar import month_of
from bot.domain.records.actions import Draft, save_draft
from bot.domain.records.duplicates import flag_if_duplicate, resolve
from db.models import Role, SupportAction, User
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat

CATALOGUE = load_catalogue_file()


def _user(session: Session, unit_code: str, telegram_id: int, *, role: Role = Role.REPORTER) -> User:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None
    user = User(telegram_id=telegram_id, display_name=f"Cán bộ {telegram_id}", role=role, unit_id=unit.id or 0)
    session.add(user)
    session.commit()
    return user


def _log(session: Session, bot: BotUnderTest, user: User, organisation: str, **figures: object) -> SupportAction:
    today = bot.runtime.today()
    draft = Draft(action_date=today.isoformat(), category="rice", organisation=organisation,
                  **figures)  # type: ignore[arg-type]
    action = save_draft(session, draft=draft, author=user, catalogue=CATALOGUE, today=today).action
    flag_if_duplicate(session, action=action)
    return action


@pytest.fixture
def month(session: Session, bot: BotUnderTest) -> None:
    """This month in Krông Pa: rice in Ia Rsai logged by two organisations twice (one pair confirmed as the
    same distribution, one left open), a named household; the district's period for the month, due today:
    Ia Rsai submitted on time, Chư Gu a day late, the other twelve units not yet."""
    ia_rsai, committee = _user(session, "GL-KP-IARSAI", 8_000_001), _user(session, "GL-KP-IARSAI", 8_000_002)
    _log(session, bot, ia_rsai, "womens_union", households=45, quantity="5410", household_name="Nguyễn Văn Riêng Tư")
    _log(session, bot, ia_rsai, "womens_union", households=10, quantity="300")
    confirmed = _log(session, bot, committee, "commune_pc", households=10, quantity="300")
    _log(session, bot, ia_rsai, "womens_union", households=7, quantity="70")
    _log(session, bot, committee, "commune_pc", households=7, quantity="70")  # left open
    resolve(session, action_id=confirmed.id or 0, same=True, user=committee)
    district = _user(session, "GL-KP", 8_000_003, role=Role.SUPERVISOR)
    today, now = bot.runtime.today(), bot.runtime.clock()
    period, _ = reporting.create_period(session, user=district, name="Tháng này", kind="month",
                                        start=month_of(today).start, end=month_of(today).end, due=today, now=now)
    tz = bot.runtime.settings.tz
    reporting.submit(session, user=ia_rsai, period=period, now=now, tz=tz)
    reporting.submit(session, user=_user(session, "GL-KP-CHUGU", 8_000_004), period=period,
                     now=now + timedelta(days=1), tz=tz)


async def _report(chat: Chat, words: str = "tháng này") -> DocxDocument:
    await chat.send(f"/report {words}")
    document = chat.last
    assert document.file_name and document.file_name.endswith(".docx") and document.file_bytes
    return Document(io.BytesIO(document.file_bytes))


def _sections(docx: DocxDocument) -> dict[str, list[str]]:
    """Body paragraphs under each heading ("III. Tình hình báo cáo …" -> its lines)."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for paragraph in docx.paragraphs:
        if paragraph.style is not None and (paragraph.style.name or "").startswith("Heading"):
            current = paragraph.text
            sections[current] = []
        elif paragraph.text:
            sections[current].append(paragraph.text)
    return sections


def _cell_lines(docx: DocxDocument, table: int, column: int) -> list[str]:
    return [p.text for p in docx.tables[table].rows[0].cells[column].paragraphs]


async def test_district_draft_has_every_block_of_an_administrative_report(
        month: None, enroll: Callable[..., object], bot: BotUnderTest) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    docx = await _report(district)
    today = bot.runtime.today()
    heading = _cell_lines(docx, 0, 0) + _cell_lines(docx, 0, 1)
    assert heading == ["ỦY BAN NHÂN DÂN", "HUYỆN KRÔNG PA", "Số: .../BC-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                       "Độc lập - Tự do - Hạnh phúc",
                       f"Krông Pa, ngày {today.day} tháng {today.month} năm {today.year}"]
    sections = _sections(docx)
    assert sections[""][:1] == ["BÁO CÁO"]
    assert sections[""][2:] == ["Kính gửi:", "- UBND tỉnh Gia Lai;", "- Sở Nông nghiệp và Môi trường tỉnh Gia Lai."]
    assert list(sections)[1:] == ["I. Kết quả theo loại hỗ trợ", "II. Kết quả theo tổ chức",
                                  "III. Tình hình báo cáo của các đơn vị", "IV. Số liệu nghi trùng",
                                  "V. Tồn tại, hạn chế", "VI. Phương hướng, nhiệm vụ thời gian tới"]
    assert sections["I. Kết quả theo loại hỗ trợ"][0].startswith("1. Hỗ trợ gạo: Hỗ trợ gạo cho 69 hộ")
    due = f"{today.day}/{today.month}/{today.year}"
    assert sections["III. Tình hình báo cáo của các đơn vị"] == [
        f"Kỳ “Tháng này” (hạn {due}): 2/14 đơn vị đã báo cáo (14,3%), trong đó 1 đơn vị đúng hạn (7,1%).",
        "Đúng hạn (1): xã Ia Rsai.", "Trễ hạn (1): xã Chư Gu.",
        sections["III. Tình hình báo cáo của các đơn vị"][3]]
    missing = sections["III. Tình hình báo cáo của các đơn vị"][3]
    assert missing.startswith("Chưa báo cáo (12): ") and "thị trấn Phú Túc" in missing and "Ia Rsai" not in missing
    assert sections["IV. Số liệu nghi trùng"] == [
        "Còn 1 lượt báo cáo nghi trùng với báo cáo của tổ chức khác chưa được xác minh (số liệu trên vẫn tính "
        "các lượt này):", "xã Ia Rsai: 1.",
        "1 lượt báo cáo trùng với báo cáo của tổ chức khác đã được xác minh và chỉ tính một lần."]
    texts = [p.text for p in docx.paragraphs]
    for placeholder in ("V. Tồn tại, hạn chế", "VI. Phương hướng, nhiệm vụ thời gian tới"):
        line = docx.paragraphs[texts.index(placeholder) + 1]
        assert line.text == "(Nội dung do cơ quan, đơn vị bổ sung.)" and line.runs[0].italic
    assert _cell_lines(docx, 1, 0) == ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    signature = _cell_lines(docx, 1, 1)
    assert signature[:3] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Ký, ghi rõ họ tên, đóng dấu)"]
    assert signature[3:] and all(line == "" for line in signature[3:])  # left blank to sign
    everything = "\n".join([p.text for p in docx.paragraphs]
                           + [c.text for t in docx.tables for c in t.rows[0].cells])
    assert "Riêng Tư" not in everything


async def test_association_draft_is_signed_by_its_standing_committee(month: None, enroll: Callable[..., object],
                                                                     bot: BotUnderTest) -> None:
    women: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI",  # type: ignore[misc]
                               organisation="womens_union")
    docx = await _report(women, "tháng này hội phụ nữ")
    assert _cell_lines(docx, 0, 0)[:2] == ["HỘI LHPN HUYỆN KRÔNG PA", "HỘI LHPN XÃ IA RSAI"]
    sections = _sections(docx)
    assert "II. Kết quả theo tổ chức" not in sections
    assert sections["I. Kết quả theo loại hỗ trợ"][0].startswith("1. Hỗ trợ gạo: Hỗ trợ gạo cho 62 hộ")
    today = bot.runtime.today()
    assert sections["II. Tình hình báo cáo của các đơn vị"] == [
        f"xã Ia Rsai đã chốt số liệu kỳ “Tháng này” đúng hạn (hạn {today.day}/{today.month}/{today.year})."]
    assert sections["III. Số liệu nghi trùng"] == [  # the open suspect is the committee's record, not theirs
        "Không còn lượt báo cáo nghi trùng nào chưa được xác minh."]
    assert "Kính gửi: Hội LHPN huyện Krông Pa." in _sections(docx)[""]
    assert _cell_lines(docx, 1, 0) == ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    assert _cell_lines(docx, 1, 1)[:2] == ["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"]


async def test_without_a_reporting_period_the_draft_says_so(enroll: Callable[..., object]) -> None:
    commune: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU")  # type: ignore[misc]
    sections = _sections(await _report(commune))
    assert sections["I. Kết quả theo loại hỗ trợ"][0].startswith("Chưa ghi nhận hỗ trợ nào trong tháng ")
    assert sections["III. Tình hình báo cáo của các đơn vị"][0].startswith("Chưa có kỳ báo cáo nào cho tháng ")
    assert sections["IV. Số liệu nghi trùng"] == ["Không còn lượt báo cáo nghi trùng nào chưa được xác minh."]
