"""The stored copies of an erased household's name, outside its register row and records.

Erasing a household (bot/domain/households/erasure.py) is only complete when no stored copy of the name is
left that the bot could show or send again. Besides the records, a name is copied into:

- **outbox messages** (`outbox_message`): the ❓ question to a record's author and the answer notice to the
  supervisor quote the record's line, and a queued digest carries its workbook. Their text and buttons
  get the "details erased" label in place of the name, sent rows too (they are the bot's record of what
  went out), and a workbook still waiting has the name replaced in its cells (the file is rewritten
  member by member, so its layout stays);
- **staged household lists** (`household_upload`): a list checked before the erasure, waiting for ✅,
  holds the name; its rows for the household are dropped (a list sent after the erasure is the
  commune's new data and stores the name again, as an import always does);
- **bot state** (`bot_state`, PTB's user and chat data): a half-filled form naming the household, a search
  result. A draft for the household loses its name, note, photo and location, as the records do; any
  other text holding the name gets the label. `scrub_state` is also what the handler runs over the data
  PTB keeps in memory, so the next write does not bring the name back.

A name is matched as typed in each copy: the head's name and every free-typed name of the records
erased with it, and their HTML-escaped forms (messages are HTML).
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from bot.domain.parsing.text import fold
from bot.i18n import N_, get_translator
from db.models import BotState, HouseholdUpload, OutboxMessage, User

ERASED_LABEL = N_("Household details erased")
_DRAFT_PERSONAL = ("household_name", "note", "photo_file_id", "latitude", "longitude")


@dataclass(frozen=True)
class ErasedNames:
    """What to look for: the household's id and every spelling of its name that was stored."""

    household_id: int
    names: tuple[str, ...]

    @classmethod
    def of(cls, household_id: int, names: Iterable[str | None]) -> ErasedNames:
        kept = {name.strip() for name in names if name and len(name.strip()) >= 2}
        spelled = kept | {html.escape(name, quote=False) for name in kept}
        return cls(household_id=household_id, names=tuple(sorted(spelled, key=len, reverse=True)))

    @property
    def folded(self) -> set[str]:
        return {fold(name).strip() for name in self.names}

    def replace(self, text: str, label: str) -> str:
        for name in self.names:
            text = text.replace(name, label)
        return text

    def found_in(self, text: str) -> bool:
        return any(name in text for name in self.names)


def _label(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return get_translator(user.locale if user is not None else "vi")(ERASED_LABEL)


def _workbook_without(payload: bytes, erased: ErasedNames, label: str) -> bytes | None:
    """The workbook with the name replaced in every XML member; None when it does not hold the name."""
    try:
        source = zipfile.ZipFile(io.BytesIO(payload))
        members = [(info, source.read(info)) for info in source.infolist()]
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return None
    escaped = html.escape(label, quote=False)
    changed = False
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename.endswith(".xml"):
                text = data.decode("utf-8", errors="surrogateescape")
                new = erased.replace(text, escaped)
                if new != text:
                    changed = True
                    data = new.encode("utf-8", errors="surrogateescape")
            target.writestr(info, data)
    return out.getvalue() if changed else None


def scrub_outbox(session: Session, erased: ErasedNames) -> int:
    """Queued and sent messages naming the household, and queued workbooks holding its name."""
    changed = 0
    texts = session.exec(select(OutboxMessage).where(or_(*[col(OutboxMessage.text).contains(name)
                                                           for name in erased.names]))).all()
    for message in texts:
        label = _label(session, message.user_id)  # a stored screen's text is plain; an older row's is HTML
        message.text = erased.replace(message.text, label if message.screen is not None
                                      else html.escape(label, quote=False))
        session.add(message)
        changed += 1
    for message in session.exec(select(OutboxMessage).where(col(OutboxMessage.payload).is_not(None),
                                                            col(OutboxMessage.filename).endswith(".xlsx"))).all():
        rewritten = _workbook_without(message.payload or b"", erased, _label(session, message.user_id))
        if rewritten is not None:
            message.payload = rewritten
            session.add(message)
            changed += 1
    for message in session.exec(select(OutboxMessage).where(col(OutboxMessage.reply_markup).is_not(None))).all():
        dumped = json.dumps(message.reply_markup, ensure_ascii=False)
        if erased.found_in(dumped):
            message.reply_markup = json.loads(erased.replace(dumped, _label(session, message.user_id)))
            session.add(message)
            changed += 1
    for message in session.exec(select(OutboxMessage).where(col(OutboxMessage.screen).is_not(None))).all():
        scrubbed = _without(message.screen, erased, _label(session, message.user_id))
        if scrubbed != message.screen:  # a stored screen (bot/domain/outbox/stored.py): its spans and labels
            message.screen = scrubbed
            session.add(message)
            changed += 1
    return changed


def _without(value: Any, erased: ErasedNames, label: str) -> Any:
    """`value` (plain JSON data) with the names replaced by `label` in every string it holds."""
    if isinstance(value, str):
        return erased.replace(value, label)
    if isinstance(value, list):
        return [_without(item, erased, label) for item in value]
    if isinstance(value, dict):
        return {key: _without(item, erased, label) for key, item in value.items()}
    return value


def scrub_uploads(session: Session, erased: ErasedNames) -> int:
    """Drop the household's rows from staged lists (they expire within a day, so there are few); how many."""
    folded = erased.folded
    dropped = 0
    for upload in session.exec(select(HouseholdUpload)).all():
        kept = [row for row in upload.rows if fold(str(row.get("head_name") or "")).strip() not in folded]
        if len(kept) != len(upload.rows):
            dropped += len(upload.rows) - len(kept)
            upload.rows = kept
            session.add(upload)
    return dropped


def scrub_state(data: Any, erased: ErasedNames, label: str) -> tuple[Any, bool]:
    """`data` (JSON types) without the name: a draft for the household loses its personal fields, other
    strings get `label` in place of the name. Returns the new value and whether anything changed."""
    if isinstance(data, dict):
        if _is_draft_for(data, erased):
            cleaned = {key: (None if key in _DRAFT_PERSONAL else value) for key, value in data.items()}
            if "household_erased" in cleaned and cleaned.get("household_id") == erased.household_id:
                cleaned["household_erased"] = True
            return _scrub_values(cleaned, erased, label)[0], True
        return _scrub_values(data, erased, label)
    if isinstance(data, list):
        items = [scrub_state(value, erased, label) for value in data]
        return ([value for value, _ in items], True) if any(touched for _, touched in items) else (data, False)
    if isinstance(data, str) and erased.found_in(data):
        return erased.replace(data, label), True
    return data, False


def _scrub_values(data: dict[Any, Any], erased: ErasedNames, label: str) -> tuple[dict[Any, Any], bool]:
    changed = False
    result: dict[Any, Any] = {}
    for key, value in data.items():
        result[key], touched = scrub_state(value, erased, label)
        changed = changed or touched
    return (result, True) if changed else (data, False)


def _is_draft_for(data: dict[Any, Any], erased: ErasedNames) -> bool:
    if "household_name" not in data:
        return False
    if data.get("household_id") == erased.household_id:
        return True
    name = data.get("household_name")
    return isinstance(name, str) and fold(name).strip() in erased.folded


def scrub_bot_state(session: Session, erased: ErasedNames) -> list[tuple[str, str]]:
    """Every `bot_state` row holding the name, rewritten; returns (kind, key) of the rows changed."""
    changed: list[tuple[str, str]] = []
    for row in session.exec(select(BotState)).all():
        new, touched = scrub_state(row.data, erased, get_translator("vi")(ERASED_LABEL))
        if touched:
            row.data = new
            session.add(row)
            changed.append((row.kind, row.key))
    return changed
