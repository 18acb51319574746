"""Rows of `bot_state`: the storage behind PTB's persistence (bot/persistence.py).

Each function is its own small unit of work and commits before returning: they are called from
PTB's persistence hooks, outside any update's session. `upsert` is one INSERT … ON CONFLICT DO UPDATE
statement, so two processes writing the same (kind, name, key) never fail on the unique constraint;
the last writer wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from db.models import BotState, utcnow

KINDS = frozenset({"user_data", "chat_data", "bot_data", "callback_data", "conversation"})


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown bot_state kind {kind!r}")


def load_all(session: Session, *, kind: str, name: str = "") -> dict[str, Any]:
    """Every row of `kind` (and conversation `name`): JSON-encoded key → data."""
    _check_kind(kind)
    rows = session.exec(select(BotState.key, BotState.data)
                        .where(BotState.kind == kind, BotState.name == name)).all()
    session.commit()  # end the read transaction; the caller may keep the session
    return {key: data for key, data in rows}


def upsert(session: Session, *, kind: str, name: str, key: str, data: Any) -> None:
    """Insert the row or replace its data (atomic, safe against a concurrent writer)."""
    write_together(session, upserts=[(kind, name, key, data)])


def write_together(session: Session, *, upserts: Sequence[tuple[str, str, str, Any]] = (),
                   deletes: Sequence[tuple[str, str, str]] = ()) -> None:
    """Several rows (kind, name, key[, data]) written or deleted in ONE transaction. A form step changes
    the draft (user_data) and the conversation state at once; writing both together means a crash
    can never leave the new draft with the old state, or the reverse."""
    try:
        if upserts:  # one executemany for all the rows
            for kind, _name, _key, data in upserts:
                _check_kind(kind)
                if data is None:
                    raise ValueError("bot_state data cannot be None; delete the row instead")
            now = utcnow()
            session.execute(_upsert_statement(session.get_bind().dialect.name),
                            [{"kind": kind, "name": name, "key": key, "data": data, "updated_at": now}
                             for kind, name, key, data in upserts])
        for kind, name, key in deletes:
            _check_kind(kind)
            table = BotState.__table__  # type: ignore[attr-defined]
            session.exec(sql_delete(table).where(table.c.kind == kind, table.c.name == name, table.c.key == key))
        session.commit()
    except BaseException:
        session.rollback()
        raise


_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE for bot_state, built once per process (building it per write cost
    more CPU than the write)."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        insert: Any
        if dialect == "postgresql":
            insert = postgresql.insert
        elif dialect == "sqlite":
            insert = sqlite.insert
        else:
            raise NotImplementedError(f"bot_state upsert is not implemented for {dialect}")
        table = BotState.__table__  # type: ignore[attr-defined]
        statement = insert(table)
        statement = _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=[table.c.kind, table.c.name, table.c.key],
            set_={"data": statement.excluded.data, "updated_at": statement.excluded.updated_at},
        )
    return statement


def delete(session: Session, *, kind: str, name: str = "", key: str) -> None:
    """Remove the row if there is one."""
    _check_kind(kind)
    table = BotState.__table__  # type: ignore[attr-defined]
    try:
        session.exec(sql_delete(table).where(table.c.kind == kind, table.c.name == name, table.c.key == key))
        session.commit()
    except BaseException:
        session.rollback()
        raise
