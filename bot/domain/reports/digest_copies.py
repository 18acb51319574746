"""Each reader's copy of a digest, as plain data: the digest and the open double-count questions, and
the outbox parts they become (`digest_deliveries`).

Built once per language and unit of the reader (what decides the words and which names the detail sheet
may show), not once per reader: a unit's officers usually share both. The parts are screens and files:
the scheduled and period-end digests queue them (bot/digest_outbox.py), /digest sends them directly
(handlers/digest.py); either way the one renderer draws them when they are sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.lookup import with_originals
from bot.domain.outbox.queue import DOCUMENT, PHOTO, Delivery, Part
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


def digest_deliveries(session: Session, *, catalogue: CatalogueFile, unit: Unit, period: Period, users: list[User],
                      tz: ZoneInfo, now: datetime, key: str,
                      reporting_period: ReportingPeriod | None = None) -> list[Delivery]:
    """Each reader's parts in the order they must arrive: the text, the XLSX, the chart, then a question
    per open double count (with its two buttons). With `reporting_period` it is that period's period-end
    digest. `key` prefixes the outbox keys (`<key>:<user id>:<part>`)."""
    deliveries: list[Delivery] = []
    for copy in digest_copies(session, catalogue=catalogue, unit=unit, period=period, readers=users, tz=tz, now=now,
                              reporting_period=reporting_period):
        digest, user = copy.digest, copy.reader
        parts = [Part(screen=Screen(body=digest.text)),
                 Part(kind=DOCUMENT, payload=digest.workbook, filename=digest.filename)]
        if digest.chart is not None:  # None: the chart process failed twice (bot/domain/reports/chart_worker.py)
            parts.append(Part(kind=PHOTO, payload=digest.chart))
        parts.extend(Part(screen=question) for question in copy.questions)
        deliveries.append(Delivery(key=f"{key}:{user.id}", chat_id=user.telegram_id, user_id=user.id, parts=parts,
                                   purpose="closing-digest" if reporting_period is not None else "digest"))
    return deliveries
