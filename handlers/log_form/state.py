"""The form's state between updates, and how each step reaches the screen.

The draft lives in `user_data["log"]` (persisted in the database), so a half-filled form survives a
restart. A "plan" is the list of steps still to ask; when it is empty the summary card is shown.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.catalogue.file import CatalogueFile, CategorySpec
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft, missing_required
from bot.domain.records.log_entry import names_for
from bot.presentation import callbacks as cb
from db.models import Household
from handlers.common import answer_in_place
from handlers.context import ChungTayContext

CATEGORY, ASK, CARD, EDIT = "category", "ask", "card", "edit"
MAX_TEXT = 200
FORM_NAME = "log"
SOURCE = "source"
"""In the form's state: the id of the user's message whose line opened it (an edit of that line redraws it)."""
SAVED_LINES = "log_lines"
"""In user_data: {message id: record id} of the latest lines saved as records, so that editing one of them
says how to correct the record instead of starting a second entry."""
KEEP_SAVED_LINES = 20
QUEUE = "queue"
"""In the form's state: the drafts of the other actions of the line that opened it (a line may hold two:
"quà 100 suất và gạo 500 kg"), each shown as its own card once the one before is saved or cancelled."""
PART = "part"
"""In the form's state: [which card, of how many] while a line's actions are shown one by one."""


def state(context: ChungTayContext) -> dict[str, Any]:
    return context.user_data.setdefault("log", {})  # type: ignore[union-attr]


def draft_of(context: ChungTayContext) -> Draft:
    return Draft.from_dict(state(context).get("draft") or {})


def store(context: ChungTayContext, draft: Draft, plan: list[str] | None = None) -> None:
    """Keep the draft (and the steps left); a new entry remembers the unit it is opened for, so a ✅ after
    the author was moved is caught (bot/domain/records/actions.py)."""
    if draft.unit_id is None and draft.corrects_id is None and context.db_user is not None:
        draft.unit_id = context.db_user.unit_id
    current = state(context)
    current["draft"] = draft.to_dict()
    if plan is not None:
        current["plan"] = plan


def take_queued(context: ChungTayContext) -> str | None:
    """Make the next waiting action of the line the open entry; the state its form resumes in (ASK or
    CARD), or None when no action is waiting. Nothing is shown here: the caller writes and shows it."""
    current = state(context)
    queue = list(current.get(QUEUE) or [])
    if not queue:
        return None
    part, total = (current.get(PART) or [1, len(queue) + 1])[:2]
    source = current.get(SOURCE)
    draft = Draft.from_dict(queue[0])
    plan = missing_required(draft, catalogue(context))
    context.user_data["log"] = {"draft": draft.to_dict(), "plan": plan, QUEUE: queue[1:],  # type: ignore[index]
                                PART: [int(part) + 1, int(total)], SOURCE: source}
    if plan:
        context.user_data["log"]["unseen"] = True  # type: ignore[index]
    return ASK if plan else CARD


def part_label(context: ChungTayContext) -> str:
    """"(1/2) " on the card of one of a line's actions; empty otherwise."""
    part = state(context).get(PART)
    return f"({part[0]}/{part[1]}) " if isinstance(part, list) and len(part) == 2 else ""


def catalogue(context: ChungTayContext) -> CatalogueFile:
    return context.runtime.catalogue


def names(context: ChungTayContext) -> Localised:
    """Names as the officer's unit says them: organisations at its level ("UBND phường" in a ward)."""
    return names_for(context.session, catalogue=catalogue(context), t=context.t, user=context.db_user)


def spec_of(context: ChungTayContext, draft: Draft) -> CategorySpec | None:
    return catalogue(context).category_by_code(draft.category or "")


def current_step(context: ChungTayContext) -> str | None:
    plan = state(context).get("plan") or []
    return str(plan[0]) if plan else None


def advance(context: ChungTayContext, draft: Draft) -> None:
    plan = list(state(context).get("plan") or [])
    if plan:
        plan.pop(0)
    store(context, draft, plan)


def cancel_button(context: ChungTayContext) -> InlineKeyboardButton:
    return cb.button("❌ " + context.t("Cancel"), cb.LogCancel())


async def say(update: Update, context: ChungTayContext, text: str,
              keyboard: list[list[InlineKeyboardButton]] | None = None, *, then: str | int,
              fresh: bool = False) -> None:
    """Show the form's next step: in place for a button press (edit), as a new message for typed text
    or when `fresh`. `then` is the state the handler returns with this step; it is written to the
    database together with the draft BEFORE the message goes out, so a crash right after the user sees
    the step resumes exactly there (and a crash before it leaves the step they still see)."""
    asking = then == ASK
    if asking:
        state(context)["unseen"] = True
    await checkpoint(update, context, then)
    await answer_in_place(update, context, text, InlineKeyboardMarkup(keyboard) if keyboard else None, fresh=fresh)
    if asking:  # the question is on screen now: answers to it may be taken (see `steps.unseen_step`)
        state(context).pop("unseen", None)
        await checkpoint(update, context, then)


async def checkpoint(update: Update, context: ChungTayContext, then: str | int) -> None:
    await context.app.checkpoint(update, context.user_data, FORM_NAME, then)


def example_text(context: ChungTayContext) -> str:
    return context.t("You can write one line, for example:\n"
                     "<code>gạo 45 hộ 108 khẩu 5410kg 81,15tr</code>\n"
                     "<code>sửa nhà 2 căn 80tr hội phụ nữ</code>\n"
                     "or send /log to fill in a form step by step.")


def problem_text(context: ChungTayContext, reason: str, offending: str) -> str:
    t = context.t
    texts = {
        "empty": t("Please type a number."),
        "not_a_number": t("“{text}” is not a number I can read."),
        "negative": t("“{text}”: the figure cannot be negative."),
        "zero": t("“{text}”: the figure must be greater than zero."),
        "too_large": t("“{text}” is too large for one entry; please check the figure."),
        "too_many_decimals": t("“{text}” has too many decimals."),
        "not_whole": t("“{text}”: a count must be a whole number."),
        "not_a_date": t("“{text}” is not a date I can read. Write it like 15/6 or 15/6/2026."),
        "future": t("“{text}” is in the future."),
        "ambiguous_number": t("I do not know what “{text}” counts. Add a unit, e.g. “45 hộ” or “5410 kg”."),
        "conflict": t("“{text}” gives the same figure twice with different values."),
        "too_long": t("That is too long; please keep it under {limit} characters."),
        "unexpected_measure": t("“{text}”: this kind of support is not counted that way."),
        "per_unit_per_period": t("“{text}” is a figure per unit and per period; please write the total the entry "
                                 "gave instead, e.g. “gạo 30 hộ 900kg”."),
        "per_unit_unclear": t("“{text}”: is the last figure per unit too, or for everyone? Please write it "
                              "with “mỗi …” or “tổng …”."),
        "per_unit_without_count": t("“{text}” is a figure per unit, but the line does not say how many units; "
                                    "please write the count too, e.g. “20 suất, 500k/suất”."),
    }
    return texts.get(reason, t("“{text}” could not be read.")).format(text=offending[:40], limit=MAX_TEXT)


def pick_household(draft: Draft, household: Household) -> None:
    """The draft names a registered household (or only refers to it, when its details were erased)."""
    draft.household_id, draft.household_village = household.id, household.village
    draft.household_erased = household.erased_at is not None
    draft.household_name = None if draft.household_erased else household.head_name


def remember_saved_line(context: ChungTayContext, record_id: int) -> None:
    """Note that the line which opened the form (if one did) is now record `record_id`."""
    source = state(context).get(SOURCE)
    if source is None:
        return
    saved: dict[str, int] = dict(context.user_data.get(SAVED_LINES) or {})  # type: ignore[union-attr]
    saved[str(source)] = record_id
    context.user_data[SAVED_LINES] = dict(list(saved.items())[-KEEP_SAVED_LINES:])  # type: ignore[index]


def saved_record_of(context: ChungTayContext, message_id: int) -> int | None:
    """The record a line of the user's was saved as, if it is one of the latest."""
    saved = context.user_data.get(SAVED_LINES) or {}  # type: ignore[union-attr]
    record = saved.get(str(message_id))
    return int(record) if record is not None else None
