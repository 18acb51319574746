"""The table of every button's action, by feature (see bot/presentation/callbacks/__init__.py for how to add one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.domain.periods.calendar import STANDARD_CODES
from bot.domain.permissions import MEMBERS, SUPERVISORS
from bot.presentation.callbacks.codec import CODE, ID, PAGE, STEP, YEAR, Action, Choice, OrNone, action

# ------------------------------------------------------------------ the buttons
# Import the catalogue of actions from here; handlers never spell callback strings themselves.

@action("lang", audience=MEMBERS)
@dataclass(frozen=True)
class SetLanguage(Action):
    code: Annotated[str, Choice("vi", "en")]


@action("route", audience=MEMBERS)
@dataclass(frozen=True)
class SetRoute(Action):
    route: Annotated[str, Choice("last", "telegram", "zalo")]


@action("hist:fix", audience=MEMBERS)
@dataclass(frozen=True)
class FixRecord(Action):
    action_id: Annotated[int, ID]


@action("hist:void", audience=MEMBERS)
@dataclass(frozen=True)
class AskVoid(Action):
    action_id: Annotated[int, ID]


@action("hist:voidok", audience=MEMBERS)
@dataclass(frozen=True)
class ConfirmVoid(Action):
    action_id: Annotated[int, ID]


@action("hist:keep", audience=MEMBERS)
@dataclass(frozen=True)
class KeepRecord(Action):
    pass


@action("hh:view", audience=MEMBERS)
@dataclass(frozen=True)
class ViewHousehold(Action):
    household_id: Annotated[int, ID]


@action("hh:import", audience=MEMBERS)
@dataclass(frozen=True)
class ImportHouseholds(Action):
    upload_id: Annotated[int, ID]  # the checked list waits in household_upload, not in the button


@action("hh:noimport", audience=MEMBERS)
@dataclass(frozen=True)
class SkipImport(Action):
    upload_id: Annotated[int, ID]


@action("dup", audience=MEMBERS)
@dataclass(frozen=True)
class ResolveDuplicate(Action):
    answer: Annotated[str, Choice("same", "other")]
    action_id: Annotated[int, ID]


# /invite (a conversation: these only work while it is open)

@action("inv:cancel", audience=SUPERVISORS)
@dataclass(frozen=True)
class InviteCancel(Action):
    pass


@action("inv:role", audience=SUPERVISORS)
@dataclass(frozen=True)
class InviteRole(Action):
    role: Annotated[str, Choice("reporter", "supervisor", "admin")]


@action("inv:unit", audience=SUPERVISORS)
@dataclass(frozen=True)
class InviteUnit(Action):
    unit_id: Annotated[int, ID]


class InviteBrowse(Action):
    """Open a unit of the tree (at a page) to choose among its children."""

    unit_id: int


@action("inv:open", audience=SUPERVISORS)
@dataclass(frozen=True)
class InviteOpenUnit(InviteBrowse):
    unit_id: Annotated[int, ID]


@action("inv:page", audience=SUPERVISORS)
@dataclass(frozen=True)
class InvitePage(InviteBrowse):
    unit_id: Annotated[int, ID]
    page: Annotated[int, PAGE]


@action("inv:org", audience=SUPERVISORS)
@dataclass(frozen=True)
class InviteOrganisation(Action):
    organisation_id: Annotated[int | None, OrNone(ID, "none")]


# /totals: the view lives in user_data, a button carries only the one thing it changes

class TotalsButton(Action):
    """Any button of the totals view (one handler takes them all)."""


@action("tot", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsChooser(TotalsButton):
    what: Annotated[str, Choice("P", "U", "O", "C")]  # period, unit, organisation, kind of support


@action("tot:x", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsBack(TotalsButton):
    pass


@action("tot:R", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsOtherDates(TotalsButton):
    pass


@action("tot:xlsx", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsExcel(TotalsButton):
    pass


@action("tot:docx", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsDraftReport(TotalsButton):
    pass


@action("tot:p", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsPeriod(TotalsButton):
    code: Annotated[str, Choice(*STANDARD_CODES)]


@action("tot:u", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsUnit(TotalsButton):
    unit_id: Annotated[int, ID]


@action("tot:o", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsOrganisation(TotalsButton):
    code: Annotated[str | None, OrNone(CODE, "*")]


@action("tot:c", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsCategory(TotalsButton):
    code: Annotated[str | None, OrNone(CODE, "*")]


@action("tot:b", audience=MEMBERS)
@dataclass(frozen=True)
class TotalsBreakdown(TotalsButton):
    by: Annotated[str, Choice("org", "unit")]


@action("drill", audience=MEMBERS)
@dataclass(frozen=True)
class DrillDown(Action):
    category: Annotated[str, CODE]
    page: Annotated[int, PAGE]


# reporting periods and submissions

@action("rp:preset", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeriodPreset(Action):
    code: Annotated[str, Choice("h1", "year")]
    year: Annotated[int, YEAR]


@action("rp:sub", audience=MEMBERS)
@dataclass(frozen=True)
class SubmitPeriod(Action):
    """Also the button of the deadline reminders and of the "reopened" notice."""

    period_id: Annotated[int, ID]


@action("rp:ok", audience=MEMBERS)
@dataclass(frozen=True)
class ConfirmSubmit(Action):
    period_id: Annotated[int, ID]


@action("rp:no", audience=MEMBERS)
@dataclass(frozen=True)
class NotNow(Action):
    pass


# the logging form (a conversation; outside it these get "this form is already closed")

class LogButton(Action):
    """Any button of the logging form."""


@action("log:cancel", audience=MEMBERS)
@dataclass(frozen=True)
class LogCancel(LogButton):
    pass


@action("log:cat", audience=MEMBERS)
@dataclass(frozen=True)
class LogCategory(LogButton):
    code: Annotated[str, CODE]


@action("log:again", audience=MEMBERS)
@dataclass(frozen=True)
class LogRepeat(LogButton):
    action_id: Annotated[int, ID]


@action("log:set", audience=MEMBERS)
@dataclass(frozen=True)
class LogSet(LogButton):
    value: Annotated[str, CODE]  # a catalogue code, or "today" / "yesterday"


@action("log:skip", audience=MEMBERS)
@dataclass(frozen=True)
class LogSkip(LogButton):
    pass


@action("log:keep", audience=MEMBERS)
@dataclass(frozen=True)
class LogKeep(LogButton):
    pass


@action("log:hh", audience=MEMBERS)
@dataclass(frozen=True)
class LogHousehold(LogButton):
    household_id: Annotated[int, ID]


@action("log:hhtyped", audience=MEMBERS)
@dataclass(frozen=True)
class LogTypedHousehold(LogButton):
    pass


@action("log:save", audience=MEMBERS)
@dataclass(frozen=True)
class LogSave(LogButton):
    pass


@action("log:edit", audience=MEMBERS)
@dataclass(frozen=True)
class LogEdit(LogButton):
    pass


@action("log:editf", audience=MEMBERS)
@dataclass(frozen=True)
class LogEditField(LogButton):
    step: Annotated[str, STEP]  # a measure code, "field:<code>" or one of the common steps


@action("log:back", audience=MEMBERS)
@dataclass(frozen=True)
class LogBack(LogButton):
    pass


# ------------------------------------------------------------------ /users and /invites (people of a subtree)
# Every button carries what it needs (the person, the page), so an old message still works or politely
# refuses when the rights behind it are gone.

class PeopleButton(Action):
    """Any button of /users and /invites (one handler takes them all)."""


@action("ppl:list", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleList(PeopleButton):
    page: Annotated[int, PAGE]


@action("ppl:revoke", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleRevokeInvite(PeopleButton):
    invite_id: Annotated[int, ID]


class PeoplePersonButton(PeopleButton):
    """A button about one person (whose id comes first)."""

    user_id: int


@action("ppl:person", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeoplePerson(PeoplePersonButton):
    user_id: Annotated[int, ID]
    page: Annotated[int, PAGE]


@action("ppl:off", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleAskDeactivate(PeoplePersonButton):
    user_id: Annotated[int, ID]
    page: Annotated[int, PAGE]


@action("ppl:offok", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleDeactivate(PeoplePersonButton):
    user_id: Annotated[int, ID]
    page: Annotated[int, PAGE]


@action("ppl:on", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleReactivate(PeoplePersonButton):
    user_id: Annotated[int, ID]
    page: Annotated[int, PAGE]


@action("ppl:role", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleRoleMenu(PeoplePersonButton):
    user_id: Annotated[int, ID]
    page: Annotated[int, PAGE]


@action("ppl:setrole", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleSetRole(PeoplePersonButton):
    user_id: Annotated[int, ID]
    role: Annotated[str, Choice("reporter", "supervisor", "admin")]
    page: Annotated[int, PAGE]


@action("ppl:units", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleUnitMenu(PeoplePersonButton):
    user_id: Annotated[int, ID]
    unit_id: Annotated[int | None, OrNone(ID, "0")]  # None: the actor's own unit
    page: Annotated[int, PAGE]


@action("ppl:setunit", audience=SUPERVISORS)
@dataclass(frozen=True)
class PeopleSetUnit(PeoplePersonButton):
    user_id: Annotated[int, ID]
    unit_id: Annotated[int, ID]


# ------------------------------------------------------------------ erasing a household's personal details

class EraseButton(Action):
    """🗑 / ✅ / ❌ of erasing one household's personal details."""

    household_id: int


@action("hhx:ask", audience=SUPERVISORS)
@dataclass(frozen=True)
class EraseAsk(EraseButton):
    household_id: Annotated[int, ID]


@action("hhx:yes", audience=SUPERVISORS)
@dataclass(frozen=True)
class EraseConfirm(EraseButton):
    household_id: Annotated[int, ID]


@action("hhx:no", audience=SUPERVISORS)
@dataclass(frozen=True)
class EraseCancel(EraseButton):
    household_id: Annotated[int, ID]


# ------------------------------------------------------------------ sending a record back ("❓ Hỏi lại")
# handlers/record_questions.py

@action("rq:ask", audience=SUPERVISORS)
@dataclass(frozen=True)
class AskAboutRecord(Action):
    """A supervisor's ❓ under a record: type a question for its author."""

    action_id: Annotated[int, ID]


@action("rq:ok", audience=MEMBERS)
@dataclass(frozen=True)
class ConfirmFigures(Action):
    """The author's one-tap answer: the figures are right."""

    question_id: Annotated[int, ID]


@action("rq:reply", audience=MEMBERS)
@dataclass(frozen=True)
class ReplyToQuestion(Action):
    """The author's ✍️: type a reply."""

    question_id: Annotated[int, ID]


@action("rq:x", audience=MEMBERS)
@dataclass(frozen=True)
class CancelQuestion(Action):
    """❌ while the bot waits for a typed question or reply."""


# ------------------------------------------------------------------ the logging form: a whole entry typed over it
# (an open form and a line that reads as a new entry: replace the form with it, or keep the form)

@action("log:repl", audience=MEMBERS)
@dataclass(frozen=True)
class LogReplace(LogButton):
    pass


@action("log:stay", audience=MEMBERS)
@dataclass(frozen=True)
class LogKeepOpen(LogButton):
    pass


# ------------------------------------------------------------------ a line that reads as an entry and as a question
# (both possible: 📝 records it, 📊 answers it; the line waits in user_data meanwhile)

class KeptLine(Action):
    """Either button under a line that could be an entry or a question."""


@action("line:log", audience=MEMBERS)
@dataclass(frozen=True)
class KeptLineEntry(KeptLine):
    pass


@action("line:tot", audience=MEMBERS)
@dataclass(frozen=True)
class KeptLineTotals(KeptLine):
    pass


@action("log:total", audience=MEMBERS)
@dataclass(frozen=True)
class LogPickTotal(LogButton):
    """A per-unit figure and a written total disagree: which one is right ("d": count × per unit)."""

    pick: Annotated[str, Choice("d", "w")]
