"""The one catalogue matcher, generated from catalogue.toml: every keyword of every category,
organisation, beneficiary class, funding source and field choice is read the same way by every
caller - quick entry, questions, /target, /unreached, the household import and the form's choice step -
and a keyword that is both an organisation and a field choice fills the field and credits nobody else."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

import pytest

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.households.register import classify
from bot.domain.parsing.matcher import aliases, matcher_for, without
from bot.domain.parsing.quick_entry import parse_quick_entry
from bot.domain.parsing.text import normalise
from bot.domain.records.action_text import Localised, card_text
from bot.domain.records.actions import Draft
from bot.domain.totals.questions import parse_question
from bot.i18n import get_translator
from bot.presentation.render import to_html

CATALOGUE = load_catalogue_file()
MATCHER = matcher_for(CATALOGUE)
TODAY = date(2026, 11, 23)
ORGANISATION_WORDS = {normalise(k): o.code for o in CATALOGUE.organisation for k in o.keywords}

CATEGORY_KEYWORDS = [(c.code, k) for c in CATALOGUE.category for k in c.keywords]
ORGANISATION_KEYWORDS = [(o.code, k) for o in CATALOGUE.organisation for k in o.keywords]
CLASS_KEYWORDS = [(b.code, k) for b in CATALOGUE.beneficiary_class for k in b.keywords]
FUNDING_KEYWORDS = [(f.code, k) for f in CATALOGUE.funding_source for k in f.keywords]
CHOICE_KEYWORDS = [(c.code, f.code, choice.code, k) for c in CATALOGUE.category for f in c.fields
                   for choice in f.choices for k in choice.keywords]
BOTH_ROLES = [(category, field, choice, keyword, ORGANISATION_WORDS[normalise(keyword)])
              for category, field, choice, keyword in CHOICE_KEYWORDS if normalise(keyword) in ORGANISATION_WORDS]
"""Keywords that name an organisation and a field choice of a category ("nhcsxh": the bank and the lender)."""


def _neutral(category: str) -> str:
    """A keyword of the category that names none of its choices ("tiền mặt" names the choice cash)."""
    return next(k for k in CATALOGUE.category_by_code(category).keywords  # type: ignore[union-attr]
                if not MATCHER.find(k, MATCHER.choices[category]))


def _ids(rows: Sequence[tuple[str, ...]]) -> list[str]:
    return [":".join(row) for row in rows]


def test_the_catalogue_has_keywords_in_both_roles() -> None:
    assert ("loan", "lender", "vbsp", "nhcsxh", "vbsp") in BOTH_ROLES
    assert len(BOTH_ROLES) >= 5


@pytest.mark.parametrize(("code", "keyword"), CATEGORY_KEYWORDS, ids=_ids(CATEGORY_KEYWORDS))
def test_every_category_keyword_in_every_caller(code: str, keyword: str) -> None:
    assert parse_quick_entry(keyword, CATALOGUE, today=TODAY).category == code, "quick entry"
    asked = parse_question(f"{keyword} năm nay", catalogue=CATALOGUE, units=[], today=TODAY)
    assert asked.categories[:1] == [code], "question"
    assert MATCHER.exact(keyword, MATCHER.categories) == code, "/unreached"
    assert MATCHER.leading(f"{keyword} 10", MATCHER.categories) == (code, "10"), "/target"


@pytest.mark.parametrize(("code", "keyword"), ORGANISATION_KEYWORDS, ids=_ids(ORGANISATION_KEYWORDS))
def test_every_organisation_keyword_in_every_caller(code: str, keyword: str) -> None:
    assert parse_quick_entry(keyword, CATALOGUE, today=TODAY).organisation == code, "quick entry"
    asked = parse_question(f"tổng gạo {keyword} năm nay", catalogue=CATALOGUE, units=[], today=TODAY)
    assert asked.organisation == code, "question"
    assert MATCHER.exact(keyword, MATCHER.organisations) == code


@pytest.mark.parametrize(("code", "keyword"), CLASS_KEYWORDS, ids=_ids(CLASS_KEYWORDS))
def test_every_beneficiary_class_keyword_in_every_caller(code: str, keyword: str) -> None:
    assert parse_quick_entry(f"gạo 10 kg {keyword}", CATALOGUE, today=TODAY).beneficiary_class == code
    assert classify(keyword, CATALOGUE) == code, "household import"
    assert classify(keyword.upper(), CATALOGUE) == code, "household import, capitals"


@pytest.mark.parametrize(("code", "keyword"), FUNDING_KEYWORDS, ids=_ids(FUNDING_KEYWORDS))
def test_every_funding_source_keyword_in_quick_entry(code: str, keyword: str) -> None:
    assert parse_quick_entry(keyword, CATALOGUE, today=TODAY).funding_source == code
    assert MATCHER.exact(keyword, MATCHER.funding) == code


@pytest.mark.parametrize(("category", "field", "choice", "keyword"), CHOICE_KEYWORDS, ids=_ids(CHOICE_KEYWORDS))
def test_every_choice_keyword_in_every_caller(category: str, field: str, choice: str, keyword: str) -> None:
    assert MATCHER.exact(keyword, MATCHER.field_index(category, field)) == choice, "the form's choice step"
    spec = CATALOGUE.category_by_code(category)
    assert spec is not None
    entry = parse_quick_entry(f"{_neutral(category)} {keyword}", CATALOGUE, today=TODAY)
    other_fields = [f.code for f in spec.fields if f.code != field and f.choice(choice) is not None
                    and normalise(keyword) in {normalise(k) for k in f.choice(choice).keywords}]  # type: ignore[union-attr]
    if other_fields:  # "khác" is the lender or the purpose: the form asks instead of guessing
        assert field not in entry.fields and keyword in " ".join(entry.unknown).casefold()
    else:
        assert entry.category == category and entry.fields.get(field) == choice, "quick entry"


def test_names_and_codes_are_matched_like_keywords() -> None:
    for spec in CATALOGUE.category:
        for alias in aliases(spec):
            assert MATCHER.exact(alias, MATCHER.categories) == spec.code, alias


def test_longest_phrase_wins_and_words_stay_whole() -> None:
    found = MATCHER.find("nhà vệ sinh cho hộ nghèo", MATCHER.categories)
    assert [f.codes for f in found] == [["sanitation"]]
    assert MATCHER.find("tien mat", MATCHER.organisations) == []  # "tn" never inside "tien"
    assert without("tong nha ve sinh nam nay", found) != ""
    assert MATCHER.exact("sinh kế bó", MATCHER.categories) is None


@pytest.mark.parametrize(("category", "field", "choice", "keyword", "organisation"), BOTH_ROLES,
                         ids=_ids(BOTH_ROLES))
def test_a_keyword_in_both_roles_fills_the_field_and_credit_stays(category: str, field: str, choice: str,
                                                                  keyword: str, organisation: str) -> None:
    spec = CATALOGUE.category_by_code(category)
    assert spec is not None
    entry = parse_quick_entry(f"{_neutral(category)} 3 hộ 90tr {keyword}", CATALOGUE, today=TODAY)
    assert entry.fields.get(field) == choice
    assert entry.organisation is None
    reporter = next(o.code for o in CATALOGUE.organisation if o.code != organisation)
    names = Localised(CATALOGUE, get_translator("vi"), level="commune")
    card = to_html(card_text(names, Draft.from_parsed(entry), organisation_default=reporter))
    assert f"Tổ chức: {names.organisation(reporter)}" in card
    assert "không phải cho tổ chức của anh/chị" not in card


@pytest.mark.parametrize(("category", "field", "choice", "keyword", "organisation"), BOTH_ROLES,
                         ids=_ids(BOTH_ROLES))
def test_picking_the_organisation_on_the_card_moves_the_credit_and_says_so(
        category: str, field: str, choice: str, keyword: str, organisation: str) -> None:
    spec = CATALOGUE.category_by_code(category)
    assert spec is not None
    draft = Draft.from_parsed(parse_quick_entry(f"{_neutral(category)} {keyword}", CATALOGUE, today=TODAY))
    draft.organisation = organisation  # what the card's Edit → Organisation button sets
    reporter = next(o.code for o in CATALOGUE.organisation if o.code != organisation)
    for locale, words in (("vi", "không phải cho tổ chức của anh/chị"), ("en", "not to your own organisation")):
        names = Localised(CATALOGUE, get_translator(locale), level="commune")
        card = to_html(card_text(names, draft, organisation_default=reporter))
        assert html.escape(names.organisation(organisation)) in card and words in card
        assert html.escape(names.organisation(reporter)) in card
    names = Localised(CATALOGUE, get_translator("vi"), level="commune")
    own = to_html(card_text(names, draft, organisation_default=organisation))
    assert "không phải cho tổ chức của anh/chị" not in own
