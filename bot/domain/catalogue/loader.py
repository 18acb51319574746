"""Loads the catalogue file into the database (idempotent: run at every start-up)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, SQLModel, select

from bot.domain.catalogue.file import CatalogueFile, load_catalogue_file
from db import catalogue_ids
from db.models import BeneficiaryClass, Category, FundingSource, Organisation


def sync_catalogue(session: Session, catalogue: CatalogueFile | None = None) -> None:
    """Insert new entries and update changed ones by code; entries removed from the file are
    deactivated where the table allows it (history keeps pointing at them), never deleted."""
    catalogue = catalogue or load_catalogue_file()
    try:
        _sync(session, catalogue)
    finally:
        catalogue_ids.forget()  # a lookup inside this transaction may have seen rows a rollback drops


def _sync(session: Session, catalogue: CatalogueFile) -> None:
    _upsert(session, Category, [
        {"code": c.code, "name_vi": c.name_vi, "name_en": c.name_en, "sort": c.sort,
         "keywords": list(c.keywords), "spec": c.model_dump(mode="json"), "active": True}
        for c in catalogue.category
    ], deactivate=True)
    _upsert(session, Organisation, [
        {"code": o.code, "name_vi": o.name_vi, "short_vi": o.short_vi, "name_en": o.name_en,
         "short_en": o.short_en, "sort": o.sort, "keywords": list(o.keywords), "active": True}
        for o in catalogue.organisation
    ], deactivate=True)
    _upsert(session, BeneficiaryClass, [
        {"code": b.code, "name_vi": b.name_vi, "name_en": b.name_en, "sort": b.sort,
         "keywords": list(b.keywords)} for b in catalogue.beneficiary_class
    ], deactivate=False)
    _upsert(session, FundingSource, [
        {"code": f.code, "name_vi": f.name_vi, "name_en": f.name_en, "sort": f.sort,
         "keywords": list(f.keywords)} for f in catalogue.funding_source
    ], deactivate=False)
    session.commit()


def _upsert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], *, deactivate: bool) -> None:
    existing = {row.code: row for row in session.exec(select(model)).all()}  # type: ignore[attr-defined]
    for values in rows:
        record = existing.pop(values["code"], None) or model()
        for key, value in values.items():
            if getattr(record, key, None) != value:
                setattr(record, key, value)
        session.add(record)
    if deactivate:
        for leftover in existing.values():
            leftover.active = False
            session.add(leftover)
