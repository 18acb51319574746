"""Catalogue codes ↔ row ids, remembered per database for the life of the process.

Why a cache: saving one entry used to ask the database four times for catalogue rows it had already
read a thousand times (the author's organisation, the category by code, then both again by id to
show the card), each a full ORM round trip. The pairing of a code with its id never changes once a
row exists: catalogue rows are matched by code and never deleted (`bot.domain.catalogue.loader` only
inserts, updates names and deactivates), so a pairing read once stays true, in this process and in
any other one sharing the database. Names, sort order and `active` do change, so only the pairing is
kept here, never a row.

What is not cached: a code or id the database does not know (it may be added by the next catalogue
sync). The cache is kept per engine (a test process opens many databases whose ids may differ), and
`forget` empties it: the catalogue sync calls it, in case its transaction is rolled back after a
lookup saw a row it had just inserted.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

# engine -> (table name, "id"|"code", key) -> the other half of the pairing
_PAIRS: weakref.WeakKeyDictionary[Engine, dict[tuple[str, str, Any], Any]] = weakref.WeakKeyDictionary()


def _pairs(session: Session) -> dict[tuple[str, str, Any], Any]:
    bind = session.get_bind()
    engine: Engine = bind if isinstance(bind, Engine) else bind.engine  # a Connection bind: its Engine
    pairs = _PAIRS.get(engine)
    if pairs is None:
        pairs = _PAIRS[engine] = {}
    return pairs


def _remember(pairs: dict[tuple[str, str, Any], Any], table: str, row_id: int, code: str) -> None:
    pairs[(table, "code", code)] = row_id
    pairs[(table, "id", row_id)] = code


def _other_half(session: Session, model: Any, key: str, value: Any) -> Any | None:
    """The other half of the pairing whose `key` column ("code" or "id") holds `value`: read once, then
    remembered both ways."""
    pairs = _pairs(session)
    table = model.__tablename__
    found = pairs.get((table, key, value))
    if found is None:
        wanted, known = (model.id, model.code) if key == "code" else (model.code, model.id)
        found = session.execute(select(wanted).where(known == value)).scalar()
        if found is not None:
            row_id, code = (found, value) if key == "code" else (value, found)
            _remember(pairs, table, int(row_id), str(code))
    return found


def id_of(session: Session, model: Any, code: str) -> int | None:
    """The id of the catalogue row (Organisation, Category, BeneficiaryClass, FundingSource) with `code`."""
    found = _other_half(session, model, "code", code)
    return None if found is None else int(found)


def code_of(session: Session, model: Any, row_id: int) -> str | None:
    """The code of the catalogue row with `row_id`."""
    found = _other_half(session, model, "id", row_id)
    return None if found is None else str(found)


def forget() -> None:
    """Drop every remembered pairing (after the catalogue was written)."""
    _PAIRS.clear()
