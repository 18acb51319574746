"""Each reader's copy of a digest, as plain data: the digest and the open double-count questions.

Built once per language and unit of the reader (what decides the words and which names the detail sheet
may show), not once per reader: a unit's officers usually share both. Rendering them into messages and
queueing them is the Telegram side's (bot/digest_outbox.py, and /digest in handlers/digest.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.lookup import with_originals
from bot.domain.periods.calendar import Period
from bot.domain.records.action_text import Localised
from bot.domain.records.duplicate_question import duplicate_question
from bot.domain.records.duplicates import unresolved_in
from bot.domain.reports.digests import Digest, build_digest
from bot.domain.screen import Screen
from bot.i18n import get_translator
from db.models import ReportingPeriod, Unit, User

SUSPECTS_IN_DIGEST = 5  # the rest are one /suspects away


@dataclass(frozen=True)
class DigestCopy:
    reader: User
    digest: Digest
    questions: list[Screen]


def digest_copies(session: Session, *, catalogue: CatalogueFile, unit: Unit, period: Period, readers: list[User],
                  tz: ZoneInfo, now: datetime, reporting_period: ReportingPeriod | None = None) -> list[DigestCopy]:
    """Every reader's digest of `unit` and a question per open double count (the first SUSPECTS_IN_DIGEST).
    With `reporting_period` it is that period's period-end digest."""
    built: dict[tuple[str, int], Digest] = {}
    suspects = with_originals(session, unresolved_in(session, unit=unit)[:SUSPECTS_IN_DIGEST])
    copies = []
    for reader in readers:
        names = Localised(catalogue, get_translator(reader.locale))
        cache_key = (names.t.locale, reader.unit_id)
        if cache_key not in built:
            built[cache_key] = build_digest(session, names=names, unit=unit, period=period, viewer=reader, tz=tz,
                                            now=now, reporting_period=reporting_period)
        questions = [duplicate_question(names, session, action=suspect, original=original)
                     for suspect, original in suspects]
        copies.append(DigestCopy(reader=reader, digest=built[cache_key], questions=questions))
    return copies
