"""The form's state between updates, and how each step reaches the screen.

The state is a typed `FormState` (bot/domain/records/form_state.py) in the user's data
(`context.user_state.form`, persisted in the database), so a half-filled form survives a restart. Its
"plan" is the list of steps still to ask; when it is empty the summary card is shown.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.catalogue.file import CatalogueFile, CategorySpec
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft, missing_required
from bot.domain.records.form_screens import with_example
from bot.domain.records.form_state import FormState
from bot.domain.records.log_entry import names_for
from bot.domain.screen import Screen
from bot.domain.spans import Text
from bot.presentation.render import render
from db.models import Household
from handlers.common import answer_in_place
from handlers.context import ChungTayContext

CATEGORY, ASK, CARD, EDIT = "category", "ask", "card", "edit"
MAX_TEXT = 200
FORM_NAME = "log"


def form(context: ChungTayContext) -> FormState:
    """The open form's state (an empty one is opened when none is)."""
    current = context.user_state.form
    return current if current is not None else context.user_state.open_form()


def draft_of(context: ChungTayContext) -> Draft:
    """A copy of the open draft (changes count once `store`d), or a new one."""
    draft = form(context).draft
    return Draft.from_dict(draft.to_dict()) if draft is not None else Draft()


def store(context: ChungTayContext, draft: Draft, plan: list[str] | None = None) -> None:
    """Keep the draft (and the steps left); a new entry remembers the unit it is opened for, so a ✅ after
    the author was moved is caught (bot/domain/records/actions.py)."""
    if draft.unit_id is None and draft.corrects_id is None and context.db_user is not None:
        draft.unit_id = context.db_user.unit_id
    current = form(context)
    current.draft = Draft.from_dict(draft.to_dict())
    if plan is not None:
        current.plan = list(plan)


def take_queued(context: ChungTayContext) -> str | None:
    """Make the next waiting action of the line the open entry; the state its form resumes in (ASK or
    CARD), or None when no action is waiting. Nothing is shown here: the caller writes and shows it."""
    current = form(context)
    if not current.queue:
        return None
    part, total = current.part or (1, len(current.queue) + 1)
    draft = current.queue[0]
    plan = missing_required(draft, catalogue(context))
    context.user_state.open_form(FormState(draft=draft, plan=plan, queue=current.queue[1:], part=(part + 1, total),
                                           source=current.source, unseen=bool(plan)))
    return ASK if plan else CARD


def catalogue(context: ChungTayContext) -> CatalogueFile:
    return context.runtime.catalogue


def names(context: ChungTayContext) -> Localised:
    """Names as the officer's unit says them: organisations at its level ("UBND phường" in a ward)."""
    return names_for(context.session, catalogue=catalogue(context), t=context.t, user=context.db_user)


def spec_of(context: ChungTayContext, draft: Draft) -> CategorySpec | None:
    return catalogue(context).category_by_code(draft.category or "")


def current_step(context: ChungTayContext) -> str | None:
    plan = form(context).plan
    return plan[0] if plan else None


def advance(context: ChungTayContext, draft: Draft) -> None:
    store(context, draft, form(context).plan[1:])


async def say(update: Update, context: ChungTayContext, screen: Screen, *, then: str | int,
              fresh: bool = False) -> None:
    """Show the form's next step: in place for a button press (edit), as a new message for typed text
    or when `fresh`. `then` is the state the handler returns with this step; it is written to the
    database together with the draft BEFORE the message goes out, so a crash right after the user sees
    the step resumes exactly there (and a crash before it leaves the step they still see)."""
    asking = then == ASK
    if asking:
        form(context).unseen = True
    await checkpoint(update, context, then)
    text, markup = render(screen)
    await answer_in_place(update, context, text, markup, fresh=fresh)
    if asking:  # the question is on screen now: answers to it may be taken (see `questions.unseen_step`)
        form(context).unseen = False
        await checkpoint(update, context, then)


async def reply(update: Update, context: ChungTayContext, text: Text | str) -> None:
    """A new message below (a typed line's answer, or a note under the card whose button was pressed);
    a plain string is one plain line."""
    await answer_in_place(update, context, render(Screen(text if isinstance(text, Text) else Text().add(text)))[0],
                          fresh=True)


async def checkpoint(update: Update, context: ChungTayContext, then: str | int) -> None:
    await context.app.checkpoint(update, context.user_data, FORM_NAME, then)


def with_example_text(context: ChungTayContext, first: str) -> Text:
    """`first` (why a line was not taken), then how a one-line entry is written."""
    return with_example(context.t, first)


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
    source = form(context).source
    if source is not None:
        context.user_state.remember_saved_line(source, record_id)


def saved_record_of(context: ChungTayContext, message_id: int) -> int | None:
    """The record a line of the user's was saved as, if it is one of the latest."""
    return context.user_state.saved_lines.get(str(message_id))
