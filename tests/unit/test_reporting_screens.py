"""The reporting cycle's, the totals' choosers' and the unit lists' screens as plain data (no Telegram):
each service's body words and its buttons' verbs and values, and that every screen draws."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.periods import screens
from bot.domain.periods.status_screen import STATUS_LIST, status_screen, target_screen
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft, save_draft
from bot.domain.screen import Screen
from bot.domain.totals.asked import file_view, question_view
from bot.domain.totals.choosers import (
    PICK_UNIT,
    ListPosition,
    chooser_screen,
    question_screen,
    range_problem_screen,
    range_prompt_screen,
    unit_picker_screen,
)
from bot.domain.totals.questions import RangeError
from bot.domain.totals.screen import BY_UNIT, totals_screen
from bot.domain.totals.view import TotalsView
from bot.i18n import get_translator
from bot.presentation.render import render
from db.models import Role, Unit, User
from db.queries import get_unit_by_code

CATALOGUE = load_catalogue_file()
EN = get_translator("en")
NAMES = Localised(CATALOGUE, EN)
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


def _user(session: Session, code: str, telegram_id: int, role: Role = Role.REPORTER) -> User:
    user = User(telegram_id=telegram_id, display_name=f"Officer {telegram_id}", role=role,
                unit_id=_unit(session, code).id or 0)
    session.add(user)
    session.commit()
    return user


def _presses(screen: Screen) -> list[tuple[str, tuple[object, ...]]]:
    return [(b.press.verb, b.press.values) for row in screen.rows for b in row]


def _labels(screen: Screen) -> list[str]:
    return [b.label for row in screen.rows for b in row]


def _drawn(screen: Screen) -> str:
    """The screen drawn by the one renderer (every verb maps onto a codec action), as its HTML."""
    html, _ = render(screen)
    return html


# ----------------------------------------------------------------------------- /period and /submit


def test_periods_screen_offers_the_presets_still_to_come(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    screen = screens.periods_screen(session, EN, viewer=boss, today=TODAY)
    assert screen.body.lines[0][0].text == "Reporting periods" and screen.body.lines[0][0].style == "bold"
    assert "/period Quý III/2027" in screen.body.plain()
    assert _presses(screen) == [("period.preset", ("h1", 2027)), ("period.preset", ("year", 2026))]
    assert "<b>Reporting periods</b>" in _drawn(screen)


def test_a_typed_period_is_created_or_explained(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    unreadable = screens.typed_period_screen(session, EN, viewer=boss, typed="Quý III; 1/7/2027", now=NOW)
    assert unreadable.body.plain().startswith("I could not read that.") and not unreadable.rows
    too_far = screens.typed_period_screen(session, EN, viewer=boss, typed="X; 1/1/2200; 2/1/2200; 3/1/2200",
                                          now=NOW)
    assert too_far.body.plain() == "The years must be between 2000 and 2100."
    created = screens.typed_period_screen(session, EN, viewer=boss, now=NOW,
                                          typed="Quý IV/2026; 1/10/2026; 31/12/2026; 10/1/2027; 5,1")
    assert created.body.plain().startswith(
        "✅ Period created: “Quý IV/2026” (1 Oct 2026 – 31 Dec 2026), due 10 Jan 2027.")
    assert "Reminders: 5, 1 day(s)" in created.body.plain()
    again = screens.preset_period_screen(session, EN, viewer=boss, code="h1", year=2027, now=NOW)
    assert again is not None and again.body.plain().startswith("✅ Period created: “6-month report 2027”")
    assert screens.preset_period_screen(session, EN, viewer=boss, code="q5", year=2027, now=NOW) is None


def test_submit_previews_then_submits_then_locks(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    officer = _user(session, "GL-KP-IARSAI", 2)
    assert screens.submit_screen(session, NAMES, viewer=officer, tz=TZ).body.plain() == \
        "Your unit has no report to submit now."
    period, _ = screens.reporting.create_period(session, user=boss, name="Tháng 11 <2026>", kind="custom",
                                                start=date(2026, 11, 1), end=date(2026, 11, 30),
                                                due=date(2026, 12, 5), now=NOW)
    save_draft(session, draft=Draft(action_date="2026-11-10", category="rice", households=3, quantity="30"),
               author=officer, catalogue=CATALOGUE, today=TODAY)
    preview = screens.submit_screen(session, NAMES, viewer=officer, tz=TZ)
    head = preview.body.lines[0]
    assert head[0].text == "Submit the figures" and head[0].style == "bold"
    assert "".join(s.text for s in head[1:]).startswith(" of ") and "Tháng 11 <2026>" in preview.body.plain()
    assert any(line[0].text.startswith("• ") for line in preview.body.lines[1:])
    assert _presses(preview) == [("submit.confirm", (period.id,)), ("submit.not_now", ())]
    assert "&lt;2026&gt;" in _drawn(preview)  # a typed name is escaped by the renderer, not the service
    done = screens.submitted_screen(session, EN, viewer=officer, period=period, now=NOW, tz=TZ)
    assert done.body.plain().startswith("✅ Submitted: Tháng 11 <2026>, at ")
    locked = screens.preview_screen(session, NAMES, viewer=officer, period=period, tz=TZ)
    assert locked.body.plain().startswith("Your unit already submitted this report") and not locked.rows
    boss_view = screens.preview_screen(session, NAMES, viewer=boss, period=period, tz=TZ)
    assert boss_view.body.plain() == "Your unit does not report for this period."


def test_several_open_reports_are_chosen_by_button(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    officer = _user(session, "GL-KP-IARSAI", 2)
    ids = [screens.reporting.create_period(session, user=boss, name=name, kind="custom", start=date(2026, 10, 1),
                                           end=date(2026, 12, 31), due=date(2027, 1, 10), now=NOW)[0].id
           for name in ("A", "B")]
    screen = screens.submit_screen(session, NAMES, viewer=officer, tz=TZ)
    assert screen.body.plain() == "Which report do you want to submit?"
    assert sorted(_presses(screen)) == sorted(("submit", (i,)) for i in ids)
    assert screens.not_now_screen(EN).body.plain() == "Not submitted. Use /submit when the figures are ready."


def test_reopen_without_a_reason_lists_what_could_be_reopened(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    officer = _user(session, "GL-KP-IARSAI", 2)
    period, _ = screens.reporting.create_period(session, user=boss, name="Q4", kind="custom",
                                                start=date(2026, 10, 1), end=date(2026, 11, 30),
                                                due=date(2026, 12, 5), now=NOW)
    screens.reporting.submit(session, user=officer, period=period, now=NOW, tz=TZ)
    usage = screens.reopen_screen(session, EN, viewer=boss, typed="GL-KP-IARSAI", now=NOW)
    assert usage.body.plain().startswith("Write the unit and the reason, e.g. /reopen GL-KP-IARSAI")
    assert "• Q4: " in usage.body.plain()
    assert screens.reporting.is_locked(session, period_id=period.id or 0, unit_id=officer.unit_id)
    done = screens.reopen_screen(session, EN, viewer=boss, typed="GL-KP-IARSAI thiếu nhà ở", now=NOW)
    assert done.body.plain().startswith("🔓 Reopened: Q4, ")
    assert not screens.reporting.is_locked(session, period_id=period.id or 0, unit_id=officer.unit_id)


# ----------------------------------------------------------------------------- /status and /target


def test_status_lists_the_units_with_their_page_buttons(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    assert status_screen(session, NAMES, viewer=boss).body.plain() == \
        "No reporting period yet. Create one with /period."
    screens.reporting.create_period(session, user=boss, name="Q4", kind="custom", start=date(2026, 10, 1),
                                    end=date(2026, 11, 30), due=date(2026, 12, 5), now=NOW)
    screen = status_screen(session, NAMES, viewer=boss, page=0, query="ia")
    assert screen.body.lines[0][0].text == "Q4" and screen.units is not None and screen.units.query == "ia"
    assert "❌ not submitted" in screen.body.plain()
    assert _presses(screen)[-2:] == [("units.find", (STATUS_LIST,)), ("units.all", (STATUS_LIST,))]
    _drawn(screen)
    reporter = _user(session, "GL-KP-IARSAI", 2)
    assert status_screen(session, NAMES, viewer=reporter).body.plain().startswith("No reporting period yet")


def test_target_sets_a_category_target_or_explains(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    screens.reporting.create_period(session, user=boss, name="Q4", kind="custom", start=date(2026, 10, 1),
                                    end=date(2026, 11, 30), due=date(2026, 12, 5), now=NOW)
    usage = target_screen(session, NAMES, viewer=boss, typed="GL-KP-IARSAI", now=NOW, today=TODAY)
    assert usage.body.plain().startswith("Write the unit, the category and the target")
    done = target_screen(session, NAMES, viewer=boss, typed="GL-KP-IARSAI nhà ở 10", now=NOW, today=TODAY)
    assert done.body.plain().startswith("🎯 Target set for Q4.\n🎯 ") and "/10" in done.body.plain()
    poverty = target_screen(session, NAMES, viewer=boss, typed="GL-KP 2026 giảm 3%", now=NOW, today=TODAY)
    assert poverty.body.plain().startswith("🎯 Target for 2026, ")


# ----------------------------------------------------------------------------- the totals' choosers


def test_choosers_end_with_back(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    view = TotalsView()
    periods = chooser_screen(session, NAMES, viewer=boss, view=view, what="P", today=TODAY)
    assert periods.body.plain() == "Choose the period:"
    assert _presses(periods)[0] == ("totals.period", ("m0",))
    assert _presses(periods)[-2:] == [("totals.dates", ()), ("totals.back", ())]
    organisations = chooser_screen(session, NAMES, viewer=boss, view=view, what="O", today=TODAY)
    assert _presses(organisations)[0] == ("totals.organisation", (None,))
    kinds = chooser_screen(session, NAMES, viewer=boss, view=view, what="C", today=TODAY)
    assert _presses(kinds)[0] == ("totals.category", (None,)) and ("totals.category", ("rice",)) in _presses(kinds)
    for screen in (periods, organisations, kinds):
        _drawn(screen)


def test_a_question_asks_only_among_its_choices(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    iarsai, chugu = _unit(session, "GL-KP-IARSAI"), _unit(session, "GL-KP-CHUGU")
    view = TotalsView(choices_cat=["rice", "housing"], choices_unit=[iarsai.id or 0, chugu.id or 0])
    kinds = question_screen(session, NAMES, viewer=boss, view=view, step="cat", today=TODAY)
    assert kinds.body.plain() == "Which kind of support do you mean?"
    assert sorted(v for _, v in _presses(kinds)) == [("housing",), ("rice",)]
    units = question_screen(session, NAMES, viewer=boss, view=view, step="unit", today=TODAY)
    assert sorted(_presses(units)) == sorted([("totals.unit", (iarsai.id,)), ("totals.unit", (chugu.id,))])
    when = question_screen(session, NAMES, viewer=boss, view=view, step="period", today=TODAY)
    assert when.body.plain() == "For which period?" and ("totals.back", ()) not in _presses(when)


def test_the_unit_picker_pages_and_restarts_on_another_unit(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    position = ListPosition(root=-1, page=3, query="zzz")
    screen = unit_picker_screen(session, EN, viewer=boss, view=TotalsView(), position=position)
    own = _unit(session, "GL-KP")
    assert position == ListPosition(root=own.id, page=0, query="")
    assert screen.body.plain().startswith("Choose the unit:\n")
    assert _presses(screen)[0] == ("totals.unit", (own.id,)) and _presses(screen)[-1] == ("totals.back", ())
    assert all(label.startswith("· ") for label in _labels(screen)[1:-1] if not label.startswith(("◀", "▶", "🔎")))
    assert screen.units is not None and screen.units.total > 0
    searched = unit_picker_screen(session, EN, viewer=boss, view=TotalsView(),
                                  position=ListPosition(root=own.id, page=0, query="ia"))
    assert ("units.all", (PICK_UNIT,)) in _presses(searched)
    _drawn(searched)


def test_the_typed_dates_prompt_and_problem_offer_cancel(session: Session) -> None:
    prompt = range_prompt_screen(EN, view=TotalsView(period="q0"), today=TODAY)
    assert prompt.body.plain().startswith("Type the dates of the period (day/month/year), for example:\n• ")
    assert _presses(prompt) == [("totals.back", ())]
    problem = range_problem_screen(EN, RangeError("not_a_date", "32/13"), today=TODAY)
    assert problem.body.plain().startswith("“32/13” is not a valid date.\n\nPlease type it like this")
    assert _presses(problem) == [("totals.back", ())]


def test_totals_by_unit_put_the_page_buttons_first(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    view = TotalsView(by="unit")
    screen = totals_screen(session, names=NAMES, user=boss, view=view, today=TODAY, units_query="ia")
    assert screen.units is not None
    assert screen.rows[0] == [b for b in screen.rows[0] if b.press.verb.startswith("units.")]
    assert ("units.all", (BY_UNIT,)) in _presses(screen)
    _drawn(screen)


def test_a_question_becomes_a_view_with_what_is_left_to_ask(session: Session) -> None:
    boss = _user(session, "GL-KP", 1, Role.SUPERVISOR)
    officer = _user(session, "GL-KP-IARSAI", 2)
    clear = question_view(session, CATALOGUE, viewer=boss, typed="tổng gạo quý này", today=TODAY)
    assert (clear.view.cat, clear.view.period, clear.view.ask, clear.own_unit_only) == ("rice", "q0", [], False)
    vague = question_view(session, CATALOGUE, viewer=boss, typed="tổng gạo và nhà ở", today=TODAY)
    assert vague.view.ask == ["cat", "period"] and sorted(vague.view.choices_cat) == ["housing", "rice"]
    named = question_view(session, CATALOGUE, viewer=officer, typed="tổng gạo xã Chư Gu tháng này", today=TODAY)
    assert named.own_unit_only and named.view.unit is None
    chugu = _unit(session, "GL-KP-CHUGU")
    assert file_view(session, CATALOGUE, viewer=boss, typed="xã Chư Gu quý trước", today=TODAY) == \
        TotalsView(period="q-1", unit=chugu.id)
    assert file_view(session, CATALOGUE, viewer=boss, typed="", today=TODAY) == TotalsView()
