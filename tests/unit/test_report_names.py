"""Organisations named with their unit, in both languages, and the catalogue's document symbols."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from bot.domain.catalogue.file import DEFAULT_CATALOGUE_PATH, CatalogueFile, load_catalogue_file
from bot.domain.records.action_text import Localised
from bot.i18n import get_translator
from db.models import Unit

CATALOGUE = load_catalogue_file()
VI, EN = Localised(CATALOGUE, get_translator("vi")), Localised(CATALOGUE, get_translator("en"))
BINH_GIA = Unit(code="LS-BG", name="Bình Gia", kind="commune", path="/1/2/", depth=1)
PHU_QUOC = Unit(code="AG-PQ", name="Phú Quốc", kind="special_zone", path="/3/4/", depth=1)
NA_PAN = Unit(code="LS-BG-NP", name="Nà Pàn", kind="village", path="/1/2/5/", depth=2)


@pytest.mark.parametrize(("names", "unit", "code", "expected"), [
    (VI, BINH_GIA, "commune_pc", "UBND xã Bình Gia"),
    (VI, BINH_GIA, "fatherland_front", "Ủy ban MTTQ xã Bình Gia"),
    (VI, BINH_GIA, "womens_union", "Hội LHPN xã Bình Gia"),
    (VI, BINH_GIA, "youth_union", "Đoàn Thanh niên xã Bình Gia"),
    (VI, BINH_GIA, "vbsp", "NHCSXH"),  # a bank's office, not the commune's body
    (VI, BINH_GIA, "donor", "DN, nhà hảo tâm"),
    (VI, PHU_QUOC, "commune_pc", "UBND đặc khu Phú Quốc"),
    (EN, BINH_GIA, "commune_pc", "Bình Gia commune PC"),
    (EN, BINH_GIA, "womens_union", "Bình Gia commune Women's Union"),
    (EN, PHU_QUOC, "fatherland_front", "Phú Quốc special zone Fatherland Front"),
])
def test_one_units_body_is_named_with_its_unit(names: Localised, unit: Unit, code: str, expected: str) -> None:
    assert names.at_unit(unit).organisation(code) == expected


def test_without_a_unit_names_keep_their_level_or_none() -> None:
    assert VI.at("commune").organisation("fatherland_front") == "Ủy ban MTTQ xã"
    assert VI.at("commune").organisation("womens_union") == "Hội LHPN"
    assert VI.at(None).organisation("commune_pc") == "UBND"
    assert VI.at_unit(None).organisation("commune_pc") == "UBND"
    # A village has no level word: its records' bodies are named as before, not "UBND thôn Nà Pàn".
    assert VI.at_unit(NA_PAN).organisation("commune_pc") == "UBND"


def test_every_association_has_a_document_symbol() -> None:
    symbols = {o.code: o.symbol for o in CATALOGUE.organisation}
    assert symbols["commune_pc"] == "UBND" and symbols["fatherland_front"] == "MTTQ"
    assert symbols["womens_union"] == "HLHPN" and symbols["farmers_association"] == "HND"
    assert symbols["veterans"] == "CCB" and symbols["youth_union"] == "ĐTN" and symbols["red_cross"] == "HCTĐ"
    assert symbols["donor"] is None


def test_a_symbol_must_be_capitals() -> None:
    data = tomllib.loads(DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8"))
    data["organisation"][1]["symbol"] = "mttq"
    with pytest.raises(ValidationError, match="symbol"):
        CatalogueFile.model_validate(data)
