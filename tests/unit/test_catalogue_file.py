"""The shipped catalogue loads and covers DOMAIN.md; hand-editing mistakes fail loudly."""

from __future__ import annotations

import tomllib
import unicodedata
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.domain.catalogue.file import (
    DEFAULT_CATALOGUE_PATH,
    CatalogueFile,
    ClassSpec,
    OrganisationSpec,
    load_catalogue_file,
    normalise_keyword,
)

DOMAIN_CATEGORIES = {
    "gift", "rice", "housing", "loan", "sanitation", "health_insurance", "education",
    "electricity", "livelihood", "labour", "cash_goods", "training",
}
DOMAIN_CLASSES = {
    "poor", "near_poor", "escaped", "hardship", "merit", "social_protection", "ethnic_minority",
    "poor_pupil", "mixed",
}


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    return load_catalogue_file()


def _is_plain_ascii(word: str) -> bool:
    return word.isascii()


def test_shipped_file_loads_from_default_path(catalogue: CatalogueFile) -> None:
    assert DEFAULT_CATALOGUE_PATH.is_file()
    assert load_catalogue_file(DEFAULT_CATALOGUE_PATH) == catalogue


def test_every_domain_category_is_present(catalogue: CatalogueFile) -> None:
    assert {c.code for c in catalogue.category} >= DOMAIN_CATEGORIES


def test_every_domain_beneficiary_class_is_present(catalogue: CatalogueFile) -> None:
    assert {b.code for b in catalogue.beneficiary_class} >= DOMAIN_CLASSES


@pytest.mark.parametrize("code", sorted(DOMAIN_CATEGORIES))
def test_category_has_names_and_phone_keywords(catalogue: CatalogueFile, code: str) -> None:
    category = catalogue.category_by_code(code)
    assert category is not None
    assert category.name_vi and category.name_en and category.verb_vi and category.verb_en
    assert not category.name_vi.isascii(), "name_vi should be Vietnamese with diacritics"
    assert len(category.keywords) >= 3
    assert any(_is_plain_ascii(k) for k in category.keywords), "needs a keyword typed without diacritics"
    assert any(m.required for m in category.measures)


def test_every_entry_in_every_section_has_ascii_and_keywords(catalogue: CatalogueFile) -> None:
    entries: list[OrganisationSpec | ClassSpec] = [
        *catalogue.organisation, *catalogue.beneficiary_class, *catalogue.funding_source,
    ]
    for entry in entries:
        assert entry.keywords, entry.code
        assert any(_is_plain_ascii(k) for k in entry.keywords), entry.code


def test_keywords_are_stored_normalised(catalogue: CatalogueFile) -> None:
    for category in catalogue.category:
        for word in category.keywords:
            assert word == unicodedata.normalize("NFC", word).lower().strip()


def test_measures_follow_domain(catalogue: CatalogueFile) -> None:
    def codes(category_code: str) -> set[str]:
        category = catalogue.category_by_code(category_code)
        assert category is not None
        return {m.code for m in category.measures}

    assert codes("rice") == {"quantity", "households", "persons", "value"}
    assert codes("loan") == {"households", "value"}
    loan = catalogue.category_by_code("loan")
    assert loan is not None
    loan_value = loan.measure("value")
    assert loan_value is not None and loan_value.required
    livelihood = catalogue.category_by_code("livelihood")
    assert livelihood is not None
    quantity = livelihood.measure("quantity")
    assert quantity is not None
    assert {u.unit_vi for u in quantity.units} >= {"con", "kg", "bó", "cây"}


def test_subtype_fields(catalogue: CatalogueFile) -> None:
    expected = {"housing": "build_type", "loan": "purpose", "gift": "occasion"}
    for code, field_code in expected.items():
        category = catalogue.category_by_code(code)
        assert category is not None and category.subtype_field == field_code
    housing = catalogue.category_by_code("housing")
    assert housing is not None
    build_type = housing.field("build_type")
    assert build_type is not None and build_type.required
    assert {c.code for c in build_type.choices} == {"new", "repair"}
    new = build_type.choice("new")
    assert new is not None and "xay moi" in new.keywords


def test_organisations_known_by_their_abbreviations(catalogue: CatalogueFile) -> None:
    by_keyword = {k: o.code for o in catalogue.organisation for k in o.keywords}
    assert by_keyword["hoi phu nu"] == by_keyword["hpn"] == by_keyword["lhpn"]
    assert by_keyword["nhcsxh"] == by_keyword["ngan hang chinh sach"]
    assert by_keyword["nhcsxh"] != by_keyword["hoi phu nu"]
    assert "ccb" in by_keyword and "doan thanh nien" in by_keyword


def test_normalise_keyword_unifies_composed_and_decomposed() -> None:
    decomposed = unicodedata.normalize("NFD", "Gạo  Cứu Đói")
    assert normalise_keyword(decomposed) == "gạo cứu đói"


# ── broken files ─────────────────────────────────────────────────────────────────────────────


def _shipped_toml() -> str:
    return DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    assert text != _shipped_toml(), "the mutation did not match anything in the shipped file"
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    tomllib.loads(text)  # the mutation itself must stay valid TOML
    return path


def test_keyword_pointing_at_two_categories_is_refused(tmp_path: Path) -> None:
    text = _shipped_toml().replace('"gạo", "gao",', '"gạo", "gao", "bhyt",', 1)
    with pytest.raises(ValidationError, match=r"keyword 'bhyt' points at both"):
        load_catalogue_file(_write(tmp_path, text))


def test_keyword_duplicate_differing_only_in_case_and_normalisation_is_refused(tmp_path: Path) -> None:
    decomposed_upper = unicodedata.normalize("NFD", "Gạo")
    text = _shipped_toml().replace('"tiền mặt", "tien mat",', f'"{decomposed_upper}", "tien mat",', 1)
    with pytest.raises(ValidationError, match=r"keyword 'gạo' points at both 'rice' and 'cash_goods'"):
        load_catalogue_file(_write(tmp_path, text))


def test_unknown_measure_code_is_refused(tmp_path: Path) -> None:
    text = _shipped_toml().replace('code = "persons"', 'code = "people"', 1)
    with pytest.raises(ValidationError) as excinfo:
        load_catalogue_file(_write(tmp_path, text))
    message = str(excinfo.value)
    assert "measures" in message and "'households', 'persons', 'quantity' or 'value'" in message


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    text = _shipped_toml().replace('unit_en = "cards"\nrequired', 'unit_en = "cards"\nrequried', 1)
    assert "requried" in text
    with pytest.raises(ValidationError) as excinfo:
        load_catalogue_file(_write(tmp_path, text))
    message = str(excinfo.value)
    assert "measures.0.requried" in message and "Extra inputs are not permitted" in message


def test_subtype_field_must_exist(tmp_path: Path) -> None:
    text = _shipped_toml().replace('subtype_field = "build_type"', 'subtype_field = "buildtype"', 1)
    with pytest.raises(ValidationError, match=r"subtype_field 'buildtype' is not one of its fields"):
        load_catalogue_file(_write(tmp_path, text))


def test_category_without_required_measure_is_refused(tmp_path: Path) -> None:
    text = _shipped_toml()
    labour_start = text.index('code = "labour"')
    labour_end = text.index("[[category]]", labour_start)
    labour = text[labour_start:labour_end].replace("required = true", "required = false")
    text = text[:labour_start] + labour + text[labour_end:]
    with pytest.raises(ValidationError, match=r"category 'labour': at least one measure must be required"):
        load_catalogue_file(_write(tmp_path, text))


def test_duplicate_code_is_refused(tmp_path: Path) -> None:
    text = _shipped_toml().replace('code = "near_poor"', 'code = "poor"', 1)
    with pytest.raises(ValidationError, match=r"\[\[beneficiary_class\]\]: code 'poor' is used twice"):
        load_catalogue_file(_write(tmp_path, text))


def test_non_ascii_code_is_refused(tmp_path: Path) -> None:
    text = _shipped_toml().replace('code = "rice"', 'code = "gạo"', 1)
    with pytest.raises(ValidationError, match=r"category\.1\.code"):
        load_catalogue_file(_write(tmp_path, text))


@pytest.mark.parametrize(("kind", "vi", "en"), [
    ("commune", "UBND xã", "Commune PC"), ("ward", "UBND phường", "Ward PC"), ("town", "UBND thị trấn", "Town PC"),
    ("district", "UBND huyện", "District PC"), ("township", "UBND thị xã", "Township PC"),
    ("city", "UBND thành phố", "City PC"), ("province", "UBND tỉnh", "Provincial PC"), (None, "UBND", "PC"),
    ("village", "UBND", "PC"),  # no People's Committee of its own: the level is left out, never guessed
])
def test_organisation_names_follow_the_unit_level(catalogue: CatalogueFile, kind: str | None, vi: str,
                                                  en: str) -> None:
    committee = next(o for o in catalogue.organisation if o.code == "commune_pc")
    assert committee.named(vi=True, level=catalogue.level_word(kind, vi=True)) == vi
    assert committee.named(vi=False, level=catalogue.level_word(kind, vi=False)) == en
    front = next(o for o in catalogue.organisation if o.code == "fatherland_front")
    assert front.named(vi=True, short=False, level=catalogue.level_word(kind, vi=True)).startswith(
        "Ủy ban Mặt trận Tổ quốc Việt Nam")
    women = next(o for o in catalogue.organisation if o.code == "womens_union")
    assert women.named(vi=True, level=catalogue.level_word(kind, vi=True)) == "Hội LHPN"  # no level in its name


def test_only_the_level_placeholder_is_allowed_in_organisation_names() -> None:
    base = {"code": "x", "name_vi": "Hội {level}", "short_vi": "Hội", "name_en": "X", "short_en": "X",
            "keywords": ["hoi x"]}
    assert OrganisationSpec(**base).named(vi=True, short=False, level="phường") == "Hội phường"
    with pytest.raises(ValidationError, match="placeholder"):
        OrganisationSpec(**{**base, "short_vi": "Hội {cap}"})
