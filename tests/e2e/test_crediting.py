"""An entry is credited to the reporter's own organisation unless the reporter picks another on the
card, end to end through the fake Bot API: a keyword that names both an organisation and a field choice
("nhcsxh": the bank, and the lender of a loan) fills the field; picking the organisation moves the
credit, and the card says so. Cases generated from catalogue.toml."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.parsing.text import normalise
from db.models import Organisation, SupportAction
from tests.support.harness import Chat

CATALOGUE = load_catalogue_file()
ORGANISATION_WORDS = {normalise(k): o.code for o in CATALOGUE.organisation for k in o.keywords}
BOTH_ROLES = [(c.code, f.code, choice.code, k, ORGANISATION_WORDS[normalise(k)])
              for c in CATALOGUE.category for f in c.fields for choice in f.choices for k in choice.keywords
              if normalise(k) in ORGANISATION_WORDS]
ANOTHER_ORGANISATION = "không phải cho tổ chức của anh/chị"


def _reporter_organisation(named: str) -> str:
    return "womens_union" if named != "womens_union" else "veterans"


def _credited(session: Session) -> tuple[str, dict[str, str]]:
    session.expire_all()
    [action] = session.exec(select(SupportAction)).all()
    organisation = session.get(Organisation, action.organisation_id)
    assert organisation is not None
    return organisation.code, dict(action.details)


def _line(category: str, keyword: str) -> str:
    spec = CATALOGUE.category_by_code(category)
    assert spec is not None
    return f"{spec.keywords[1]} 3 ho 90tr {keyword}"


@pytest.mark.parametrize(("category", "field", "choice", "keyword", "organisation"), BOTH_ROLES,
                         ids=[f"{row[0]}:{row[3]}" for row in BOTH_ROLES])
async def test_a_keyword_typed_in_a_quick_entry_fills_the_field_and_credit_stays(
        enroll: Callable[..., object], session: Session, category: str, field: str, choice: str, keyword: str,
        organisation: str) -> None:
    own = _reporter_organisation(organisation)
    chat: Chat = await enroll(role="reporter", organisation=own)  # type: ignore[misc]
    card = (await chat.send(_line(category, keyword)))[-1].text
    assert ANOTHER_ORGANISATION not in card
    await chat.tap("✅ Lưu")
    assert _credited(session) == (own, {field: choice})


async def test_nhcsxh_in_an_association_officers_loan_stays_with_the_association(
        enroll: Callable[..., object], session: Session) -> None:
    chat: Chat = await enroll(role="reporter", organisation="womens_union")  # type: ignore[misc]
    card = (await chat.send("vay von 3 ho 90tr nhcsxh"))[-1].text
    assert "Nguồn cho vay: Ngân hàng Chính sách xã hội" in card
    assert "Tổ chức: Hội LHPN" in card and ANOTHER_ORGANISATION not in card
    await chat.tap("✅ Lưu")
    assert _credited(session) == ("womens_union", {"lender": "vbsp"})


async def test_picking_the_bank_on_the_card_moves_the_credit_and_the_card_says_so(
        enroll: Callable[..., object], session: Session) -> None:
    chat: Chat = await enroll(role="reporter", organisation="womens_union")  # type: ignore[misc]
    await chat.send("vay von 3 ho 90tr nhcsxh")
    await chat.tap("✏️ Sửa")
    await chat.tap("Tổ chức")
    await chat.tap("NHCSXH")
    card = chat.last.text
    assert "Tổ chức: NHCSXH" in card and ANOTHER_ORGANISATION in card and "Hội LHPN" in card
    await chat.tap("✅ Lưu")
    assert _credited(session) == ("vbsp", {"lender": "vbsp"})


async def test_an_organisation_named_in_the_line_is_shown_as_another_organisation(
        enroll: Callable[..., object], session: Session) -> None:
    chat: Chat = await enroll(role="reporter", organisation="commune_pc")  # type: ignore[misc]
    card = (await chat.send("sua nha 2 can 80tr hoi phu nu"))[-1].text
    assert "Tổ chức: Hội LHPN" in card and ANOTHER_ORGANISATION in card
    await chat.tap("✅ Lưu")
    assert _credited(session)[0] == "womens_union"
