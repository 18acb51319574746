"""Shared services of one running bot, built once at start-up and reached from every handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.config import Settings
from bot.domain.catalogue.file import CatalogueFile, load_catalogue_file
from bot.domain.totals.rollup import register_rollup_listener
from db.models import utcnow
from db.session import SessionFactory, make_engine


@dataclass
class Runtime:
    settings: Settings
    session_factory: SessionFactory
    catalogue: CatalogueFile
    # Aware UTC now; tests replace it to move time without sleeping (reminders, outbox, deadlines).
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        # Every session of the process then keeps the totals rollup in step with the records it writes.
        register_rollup_listener()
        return cls(settings=settings, session_factory=SessionFactory(make_engine(settings.database_url)),
                   catalogue=load_catalogue_file())

    def today(self) -> date:
        """Today's date where the officials are (the configured time zone), by the runtime's clock."""
        return self.clock().astimezone(self.settings.tz).date()

    def close(self) -> None:
        self.session_factory.engine.dispose()
