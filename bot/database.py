"""Start-up preparation of the database: schema to head, catalogue loaded (both idempotent)."""

from __future__ import annotations

from bot.services.catalogue import sync_catalogue
from db.migrate import upgrade_to_head
from db.session import SessionFactory


def prepare_database(database_url: str, session_factory: SessionFactory) -> None:
    upgrade_to_head(database_url)
    with session_factory() as session:
        sync_catalogue(session)
