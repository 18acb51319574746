"""Reports in the issuing body's names (Decree 30/2020), read back from /report's DOCX and /export's XLSX:
the heading ("ỦY BAN NHÂN DÂN" / "TỈNH LẠNG SƠN"), the number's symbol from the catalogue ("BC-UBND",
"BC-MTTQ", "BC-HLHPN"), organisations named with their unit, "Kính gửi" the unit above, and the appendix
"Biểu tổng hợp kết quả hỗ trợ" whose totals row equals the report's sentences and whose rows add up to it;
the same table is the workbook's first sheet. On a province → commune tree (since 2025), a commune, an
organisation, a đặc khu, and the older tree with a district (Krông Pa)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from openpyxl import load_workbook
from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.formatting import format_money_prose, format_number
from bot.domain.records.actions import Draft, save_draft
from bot.domain.units.tree import import_units_csv
from db.models import Role, User
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat

CATALOGUE = load_catalogue_file()
TREE = """code,name,kind,parent_code
LS,Lạng Sơn,province,
LS-BG,Bình Gia,commune,LS
LS-BG-NP,Nà Pàn,village,LS-BG
LS-HVT,Hoàng Văn Thụ,commune,LS
LS-LVT,Lương Văn Tri,ward,LS
AG,An Giang,province,
AG-PQ,Phú Quốc,special_zone,AG
"""
TABLE_TITLE = "Biểu tổng hợp kết quả hỗ trợ"


def _user(session: Session, unit_code: str, telegram_id: int, organisation: str | None = None) -> User:
    from sqlmodel import select

    from db.models import Organisation

    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None
    org_id = session.exec(select(Organisation.id).where(Organisation.code == organisation)).one() \
        if organisation else None
    user = User(telegram_id=telegram_id, display_name=f"Cán bộ {telegram_id}", role=Role.REPORTER,
                unit_id=unit.id or 0, organisation_id=org_id)
    session.add(user)
    session.commit()
    return user


def _log(session: Session, bot: BotUnderTest, user: User, category: str, organisation: str, **figures: object) -> None:
    today = bot.runtime.today()
    draft = Draft(action_date=today.isoformat(), category=category, organisation=organisation,
                  **figures)  # type: ignore[arg-type]
    save_draft(session, draft=draft, author=user, catalogue=CATALOGUE, today=today)


@pytest.fixture
def lang_son(session: Session, bot: BotUnderTest) -> None:
    """Lạng Sơn since 2025 (communes straight under the province) and An Giang's đặc khu Phú Quốc. This month:
    Bình Gia's People's Committee gave rice, its Fatherland Front gifts and livelihood support (heads of
    cattle and kilograms of seed: two units that do not add up), its Women's Union gifts; Hoàng Văn Thụ built
    two houses; the ward Lương Văn Tri logged nothing; Phú Quốc gave rice."""
    import_units_csv(session, TREE)
    committee, front = _user(session, "LS-BG", 9_100_001, "commune_pc"), _user(session, "LS-BG", 9_100_002)
    _log(session, bot, committee, "rice", "commune_pc", households=45, persons=108, quantity="5410",
         value_dong=81_150_000)
    _log(session, bot, front, "gift", "fatherland_front", quantity="100", households=100, value_dong=50_000_000)
    _log(session, bot, front, "livelihood", "fatherland_front", quantity="14", quantity_unit="head", households=7,
         value_dong=70_000_000)
    _log(session, bot, front, "livelihood", "fatherland_front", quantity="250", quantity_unit="kg", households=25)
    _log(session, bot, front, "gift", "womens_union", quantity="20", households=20, value_dong=10_000_000)
    _log(session, bot, _user(session, "LS-HVT", 9_100_003), "housing", "commune_pc", quantity="2", households=2,
         fields={"build_type": "new"},
         value_dong=100_000_000)
    _log(session, bot, _user(session, "AG-PQ", 9_100_004), "rice", "commune_pc", households=10, quantity="300")


async def _docx(chat: Chat, words: str = "tháng này") -> DocxDocument:
    await chat.send(f"/report {words}")
    document = chat.last
    assert document.file_name and document.file_name.endswith(".docx") and document.file_bytes
    return Document(io.BytesIO(document.file_bytes))


def _heading(docx: DocxDocument) -> list[str]:
    return [p.text for p in docx.tables[0].rows[0].cells[0].paragraphs]


def _front_matter(docx: DocxDocument) -> list[str]:
    """The paragraphs between the title and the first section: the subtitle and "Kính gửi"."""
    texts = [p.text for p in docx.paragraphs]
    first_section = next(i for i, p in enumerate(docx.paragraphs) if (p.style.name or "").startswith("Heading"))
    return texts[texts.index("BÁO CÁO") + 2:first_section]


def _section(docx: DocxDocument, heading: str) -> list[str]:
    texts = [p.text for p in docx.paragraphs]
    start = next(i for i, text in enumerate(texts) if text.endswith(heading)) + 1
    end = next((i for i in range(start, len(texts))
                if (docx.paragraphs[i].style.name or "").startswith("Heading")), len(texts))
    return [text for text in texts[start:end] if text]


def _table(docx: DocxDocument) -> list[list[str]]:
    """The appendix: its title and note come first, on a page of its own, then the grid."""
    texts = [p.text for p in docx.paragraphs]
    assert TABLE_TITLE.upper() in texts
    assert docx.sections[-1].orientation == 1  # landscape
    return [[cell.text for cell in row.cells] for row in docx.tables[-1].rows]


def _number(text: str) -> Decimal | None:
    return Decimal(text.replace(".", "").replace(",", ".")) if text else None


def _check_table(table: list[list[str]], sentences: list[str], grand_total: str) -> dict[str, str]:
    """The totals row is the sum of the rows above it, each of its figures appears in the sentence of its
    kind of support (as the sentence writes it), and the last column is the report's total value.
    Returns the totals row by header."""
    header, *rows, total = table
    assert header[:2] == ["STT", "Đơn vị"] and header[-1] == "Tổng trị giá (đồng)" and total[1] == "Tổng cộng"
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    for column in range(2, len(header)):
        assert sum((_number(row[column]) or 0) for row in rows) == _number(total[column]), header[column]
    by_header = dict(zip(header, total, strict=True))
    for name, figure in by_header.items():
        match = re.fullmatch(r"(.+) \((.+)\)", name)
        if name.endswith(": trị giá (đồng)"):
            category = name.removesuffix(": trị giá (đồng)")
            expected = format_money_prose(int(_number(figure) or 0), "vi")
        elif match and name != "Tổng trị giá (đồng)":
            category, unit = match.groups()
            expected = f"{figure} {unit}"
        else:
            continue
        [sentence] = [s for s in sentences if re.match(rf"\d+\. {re.escape(category)}: ", s)] or [""]
        assert expected in sentence, (name, expected, sentence)
    assert grand_total.endswith(format_money_prose(int(_number(total[-1]) or 0), "vi") + ".")
    return by_header


async def test_province_report_heading_symbol_and_table(lang_son: None, enroll: Callable[..., object]) -> None:
    province: Chat = await enroll(role="supervisor", unit_code="LS")  # type: ignore[misc]
    docx = await _docx(province)
    assert _heading(docx) == ["ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN", "Số: .../BC-UBND"]
    assert _front_matter(docx) == []  # nothing above a province: no "Kính gửi"
    results = _section(docx, "Kết quả theo loại hỗ trợ")
    table = _table(docx)
    assert [row[1] for row in table[1:-1]] == ["xã Bình Gia", "xã Hoàng Văn Thụ", "phường Lương Văn Tri"]
    assert table[3][2:] == [""] * (len(table[0]) - 2)  # the silent ward shows, empty
    totals = _check_table(table, results[:-1], results[-1])
    assert totals["Hỗ trợ gạo (kg)"] == "5.410" and totals["Tặng quà (suất)"] == "120"
    assert totals["Hỗ trợ sinh kế (con)"] == "14" and totals["Hỗ trợ sinh kế (kg)"] == "250"
    assert totals["Tổng trị giá (đồng)"] == "311.150.000"

    await province.send("/export tháng này")
    workbook = load_workbook(io.BytesIO(province.last.file_bytes or b""))
    assert workbook.sheetnames[0] == TABLE_TITLE
    sheet = workbook[TABLE_TITLE]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == table[0]
    for row, docx_row in zip(cells[1:], table[1:], strict=True):  # the same rows and totals as the DOCX
        assert [format_number(v, "vi") if isinstance(v, int | float) else (v or "") for v in row] == docx_row
    assert sheet.cell(row=2, column=len(table[0])).number_format == "#,##0"
    detail = workbook["Chi tiết"]
    header = [c.value for c in detail[1]]
    organisations = {row[header.index("Tổ chức")] for row in detail.iter_rows(min_row=2, values_only=True)}
    assert organisations == {"UBND xã Bình Gia", "Ủy ban MTTQ xã Bình Gia", "Hội LHPN xã Bình Gia",
                             "UBND xã Hoàng Văn Thụ"}

    replies = await province.send("/digest tháng này")  # the digest attaches the same workbook
    [attached] = [m for m in replies if (m.file_name or "").endswith(".xlsx")]
    digest_book = load_workbook(io.BytesIO(attached.file_bytes or b""))
    assert digest_book.sheetnames[0] == TABLE_TITLE
    assert [list(row) for row in digest_book[TABLE_TITLE].iter_rows(values_only=True)] == cells
    digest_detail = digest_book["Chi tiết"]
    assert {row[header.index("Tổ chức")] for row in digest_detail.iter_rows(min_row=2, values_only=True)} \
        == organisations


async def test_commune_report_is_addressed_to_the_province_and_its_department(
        lang_son: None, enroll: Callable[..., object]) -> None:
    commune: Chat = await enroll(role="reporter", unit_code="LS-BG",  # type: ignore[misc]
                                 organisation="commune_pc")
    docx = await _docx(commune)
    assert _heading(docx) == ["ỦY BAN NHÂN DÂN", "XÃ BÌNH GIA", "Số: .../BC-UBND"]
    assert _front_matter(docx) == ["Kính gửi:", "- UBND tỉnh Lạng Sơn;",
                                   "- Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn."]
    organisations = _section(docx, "Kết quả theo tổ chức")
    assert {"UBND xã Bình Gia", "Ủy ban MTTQ xã Bình Gia", "Hội LHPN xã Bình Gia"} <= set(organisations)
    results = _section(docx, "Kết quả theo loại hỗ trợ")
    table = _table(docx)
    assert [row[1] for row in table[1:-1]] == ["xã Bình Gia", "thôn Nà Pàn"]  # its own records, then the village
    totals = _check_table(table, results[:-1], results[-1])
    assert totals["Tổng trị giá (đồng)"] == "211.150.000"
    assert [p.text for p in docx.tables[1].rows[0].cells[0].paragraphs] == ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]


async def test_fatherland_front_report_in_its_own_names(lang_son: None, enroll: Callable[..., object]) -> None:
    front: Chat = await enroll(role="reporter", unit_code="LS-BG",  # type: ignore[misc]
                               organisation="fatherland_front")
    me = (await front.send("/me"))[-1].text
    assert "Ủy ban MTTQ xã Bình Gia" in me
    card = (await front.send("gạo 45 hộ 5410kg"))[-1].text
    assert "Tổ chức: Ủy ban MTTQ xã Bình Gia" in card
    docx = await _docx(front, "tháng này mặt trận")
    assert _heading(docx) == ["ỦY BAN MTTQ VIỆT NAM", "XÃ BÌNH GIA", "Số: .../BC-MTTQ"]
    assert _front_matter(docx) == ["Kính gửi: Ủy ban MTTQ tỉnh Lạng Sơn."]
    results = _section(docx, "Kết quả theo loại hỗ trợ")
    table = _table(docx)
    totals = _check_table(table, results[:-1], results[-1])
    assert "Hỗ trợ gạo (kg)" not in totals and totals["Tổng trị giá (đồng)"] == "120.000.000"
    signature = [p.text for p in docx.tables[1].rows[0].cells[1].paragraphs]
    assert signature[:2] == ["TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH"]


async def test_womens_union_report_under_its_provincial_committee(lang_son: None,
                                                                  enroll: Callable[..., object]) -> None:
    women: Chat = await enroll(role="reporter", unit_code="LS-BG",  # type: ignore[misc]
                               organisation="womens_union")
    docx = await _docx(women, "tháng này hội phụ nữ")
    assert _heading(docx) == ["HỘI LHPN TỈNH LẠNG SƠN", "HỘI LHPN XÃ BÌNH GIA", "Số: .../BC-HLHPN"]
    assert _front_matter(docx) == ["Kính gửi: Hội LHPN tỉnh Lạng Sơn."]
    results = _section(docx, "Kết quả theo loại hỗ trợ")
    totals = _check_table(_table(docx), results[:-1], results[-1])
    assert totals["Tặng quà (suất)"] == "20" and totals["Tổng trị giá (đồng)"] == "10.000.000"


async def test_special_zone_reports_as_a_commune_level_unit(lang_son: None, enroll: Callable[..., object]) -> None:
    zone: Chat = await enroll(role="reporter", unit_code="AG-PQ",  # type: ignore[misc]
                              organisation="commune_pc")
    assert "UBND đặc khu Phú Quốc" in (await zone.send("/me"))[-1].text
    docx = await _docx(zone)
    assert _heading(docx) == ["ỦY BAN NHÂN DÂN", "ĐẶC KHU PHÚ QUỐC", "Số: .../BC-UBND"]
    assert _front_matter(docx) == ["Kính gửi:", "- UBND tỉnh An Giang;",
                                   "- Sở Nông nghiệp và Môi trường tỉnh An Giang."]
    results = _section(docx, "Kết quả theo loại hỗ trợ")
    table = _table(docx)
    assert [row[1] for row in table[1:-1]] == ["đặc khu Phú Quốc"]
    totals = _check_table(table, results, "Tổng trị giá: 0 đồng.")
    assert totals["Hỗ trợ gạo (kg)"] == "300" and totals["Tổng trị giá (đồng)"] == "0"


@pytest.fixture
def krong_pa(session: Session, bot: BotUnderTest) -> None:
    """The older tree (province → district → commune): Ia Rsai's Women's Union and Chư Gu's committee."""
    _log(session, bot, _user(session, "GL-KP-IARSAI", 9_200_001), "rice", "womens_union", households=45,
         quantity="5410", value_dong=81_150_000)
    _log(session, bot, _user(session, "GL-KP-CHUGU", 9_200_002), "housing", "commune_pc", quantity="3",
         fields={"build_type": "repair"},
         households=3, value_dong=150_000_000)


async def test_older_tree_with_a_district(krong_pa: None, enroll: Callable[..., object]) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    docx = await _docx(district)
    assert _heading(docx) == ["ỦY BAN NHÂN DÂN", "HUYỆN KRÔNG PA", "Số: .../BC-UBND"]
    assert _front_matter(docx) == ["Kính gửi:", "- UBND tỉnh Gia Lai;",
                                   "- Sở Nông nghiệp và Môi trường tỉnh Gia Lai."]
    results = _section(docx, "Kết quả theo loại hỗ trợ")
    table = _table(docx)
    assert len(table) == 2 + 14 and "xã Ia Rsai" in [row[1] for row in table]  # every commune of the district
    totals = _check_table(table, results[:-1], results[-1])
    assert totals["Tổng trị giá (đồng)"] == "231.150.000"

    commune: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU",  # type: ignore[misc]
                                 organisation="commune_pc")
    docx = await _docx(commune)
    assert _heading(docx) == ["ỦY BAN NHÂN DÂN", "XÃ CHƯ GU", "Số: .../BC-UBND"]
    assert _front_matter(docx) == ["Kính gửi: UBND huyện Krông Pa."]  # the district, not the province


async def test_people_lists_name_organisations_without_placeholders(
        lang_son: None, session: Session, bot: BotUnderTest, enroll: Callable[..., object]) -> None:
    """/invites and /users name the organisation beside its unit, at its level, never "Ủy ban MTTQ {level}"."""
    from datetime import timedelta

    from sqlmodel import select

    from bot.domain.people.access import create_invite
    from db.models import Organisation

    province: Chat = await enroll(role="supervisor", unit_code="LS")  # type: ignore[misc]
    await enroll(role="reporter", unit_code="LS-BG", organisation="fatherland_front", name="Hoàng Thị Mai")
    front = session.exec(select(Organisation).where(Organisation.code == "fatherland_front")).one()
    unit = get_unit_by_code(session, code="LS-HVT")
    assert unit is not None and unit.id is not None
    create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=front.id,
                  ttl=timedelta(hours=1), now=bot.runtime.clock())
    invites = await province.reply_text("/invites")
    assert "xã Hoàng Văn Thụ, Ủy ban MTTQ xã" in invites and "{level}" not in invites
    people = await province.reply_text("/users")
    assert "xã Bình Gia, Ủy ban MTTQ xã ·" in people and "{level}" not in people
