"""Catalogue code ↔ id pairs are remembered per database, never for codes the database does not know."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.catalogue.loader import sync_catalogue
from db import catalogue_ids
from db.models import Category, Organisation


def test_pairs_match_the_database_and_unknown_codes_are_asked_again(session: Session) -> None:
    for model in (Category, Organisation):
        for row in session.exec(select(model)).all():
            assert catalogue_ids.id_of(session, model, row.code) == row.id
            assert catalogue_ids.code_of(session, model, row.id or 0) == row.code
    assert catalogue_ids.id_of(session, Category, "tree_planting") is None
    catalogue = load_catalogue_file()
    added = catalogue.category[0].model_copy(update={"code": "tree_planting", "sort": 999})
    sync_catalogue(session, catalogue.model_copy(update={"category": [*catalogue.category, added]}))
    stored = session.exec(select(Category).where(Category.code == "tree_planting")).one()
    assert catalogue_ids.id_of(session, Category, "tree_planting") == stored.id
    assert catalogue_ids.code_of(session, Category, stored.id or 0) == "tree_planting"
