"""Shared services of one running bot, built once at start-up and reached from every handler."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalogue_file import CatalogueFile, load_catalogue_file
from bot.config import Settings
from db.session import SessionFactory, make_engine


@dataclass
class Runtime:
    settings: Settings
    session_factory: SessionFactory
    catalogue: CatalogueFile

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        return cls(settings=settings, session_factory=SessionFactory(make_engine(settings.database_url)),
                   catalogue=load_catalogue_file())

    def close(self) -> None:
        self.session_factory.engine.dispose()
