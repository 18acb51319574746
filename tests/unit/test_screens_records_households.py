"""The screens of /history, /undo, the drill-down, the household card, its erasure, /unreached and the list
import, read as plain data (title line, buttons' verbs and values) without Telegram; each is drawn once by
the renderer too, so every verb it uses is known there."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.households.card import add_household_screen, household_screen, search_screen, view_screen
from bot.domain.households.erase_screens import erase_command_screen, erase_question_screen
from bot.domain.households.import_screens import preview_screen, retry_screen
from bot.domain.households.imports import ImportPreview
from bot.domain.households.register import upsert_household
from bot.domain.households.unreached import unit_households_screen, units_screen, unreached
from bot.domain.periods.calendar import period_from_code
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft, save_draft
from bot.domain.records.drilldown import Scope, records_screen
from bot.domain.records.drilldown import units_screen as drill_units_screen
from bot.domain.records.history import ask_void_screen, history_screen, undo_screen, void_screen
from bot.domain.screen import Screen
from bot.domain.spans import Span
from bot.i18n import get_translator
from bot.presentation.render import render
from db.models import Household, Role, SupportAction, User
from db.queries import get_unit_by_code

CATALOGUE = load_catalogue_file()
VI, EN = Localised(CATALOGUE, get_translator("vi")), Localised(CATALOGUE, get_translator("en"))
TODAY = date(2026, 11, 20)
_ids = iter(range(8_100_001, 8_200_000))


def _user(session: Session, role: Role, unit_code: str, name: str = "Cán bộ") -> User:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    user = User(telegram_id=next(_ids), display_name=name, role=role, unit_id=unit.id)
    session.add(user)
    session.commit()
    return user


def _rice(session: Session, author: User, households: int = 45) -> SupportAction:
    draft = Draft(category="rice", households=households, quantity="5410", organisation="womens_union")
    return save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=TODAY).action


def _household(session: Session, author: User, code: str = "HN-07", name: str = "Nguyễn Văn A") -> Household:
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None
    return upsert_household(session, user=author, unit=unit, code=code, head_name=name, village="thôn 3",
                            classification="poor", year=2026, members=5)[0]


def presses(screen: Screen) -> list[tuple[str, tuple[object, ...]]]:
    render(screen)  # every verb is the renderer's, every value fits the codec
    return [(item.press.verb, item.press.values) for row in screen.rows for item in row]


def first_line(screen: Screen) -> list[tuple[str, str]]:
    return [(span.text, span.style) for span in screen.body.lines[0]]


def test_history_shows_the_records_with_buttons_for_who_may_change_them(session: Session) -> None:
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP")
    assert history_screen(session, viewer=reporter, names=EN).body.plain().startswith("No entries yet.")
    action = _rice(session, reporter)
    mine = history_screen(session, viewer=reporter, names=EN)
    assert first_line(mine) == [("Recent entries", "bold"), (" (newest first):", "plain")]
    assert f"#{action.id} · 20 Nov 2026 · Rice · 5,410 kg" in mine.body.plain()
    assert presses(mine) == [("record.fix", (action.id,)), ("record.void", (action.id,))]
    above = history_screen(session, viewer=supervisor, names=VI)
    assert first_line(above)[0] == ("Các bản ghi gần đây", "bold")
    assert ("record.ask", (action.id,)) in presses(above), "a supervisor above may send it back with a question"
    assert render(mine)[0].startswith("<b>Recent entries</b> (newest first):\n")


def test_undo_asks_before_voiding_the_last_own_record(session: Session) -> None:
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    assert undo_screen(session, viewer=reporter, names=EN).body.plain() == "You have no entry to undo."
    action = _rice(session, reporter)
    question = undo_screen(session, viewer=reporter, names=EN)
    assert question.body.plain().startswith("Void this entry?") and f"#{action.id}" in question.body.plain()
    assert presses(question) == [("record.void.yes", (action.id,)), ("record.keep", ())]
    assert ask_void_screen(session, viewer=reporter, names=EN, action_id=action.id or 0) == question
    stranger = _user(session, Role.REPORTER, "GL-KP-CHUGU")
    assert ask_void_screen(session, viewer=stranger, names=EN, action_id=action.id or 0) is None
    done = void_screen(session, viewer=reporter, t=EN.t, action_id=action.id or 0,
                       now=datetime(2026, 11, 20, tzinfo=UTC))
    assert done.body.plain() == f"Entry #{action.id} is void and no longer counted."
    assert undo_screen(session, viewer=reporter, names=EN).body.plain() == "You have no entry to undo."


def test_drilldown_pages_the_records_and_lists_the_units_under(session: Session) -> None:
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI", name="Ksor H'Lan")
    admin = _user(session, Role.ADMIN, "GL")
    actions = [_rice(session, reporter, households=n) for n in range(1, 11)]
    province = get_unit_by_code(session, code="GL")
    period = period_from_code("m0", today=TODAY)
    assert province is not None and period is not None
    scope, rice = Scope(province, period, None), CATALOGUE.category_by_code("rice")
    assert rice is not None
    first = records_screen(session, viewer=admin, names=EN, scope=scope, category=rice, page=0)
    assert first_line(first)[0] == (EN.category(rice), "bold")
    assert "10 record(s) — page 1/2" in first.body.plain() and "Ksor H'Lan" in first.body.plain()
    verbs = presses(first)
    assert ("drill", ("rice", 1)) in verbs and ("drill", ("rice", 0)) not in verbs, "› only, on the first page"
    assert ("units.page", ("dd", 0)) in verbs and ("totals.back", ()) in verbs
    assert ("record.fix", (actions[-1].id,)) in verbs
    units = drill_units_screen(session, names=EN, scope=scope, category=rice, page=0, query="")
    assert units.units is not None and ("drill", ("rice", 0)) in presses(units)
    assert [v for v, _ in presses(units)].count("drill.unit") == 1, "the one district with records"


def test_household_card_search_and_add(session: Session) -> None:
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP")
    household = _household(session, reporter)
    _household(session, reporter, code="HN-08", name="Nguyễn Văn B")
    card = household_screen(session, viewer=reporter, names=VI, household=household)
    assert first_line(card) == [("Nguyễn Văn A", "bold"), (" (HN-07 · thôn 3)", "plain")]
    assert presses(card) == [], "reporters do not erase"
    assert presses(household_screen(session, viewer=supervisor, names=VI, household=household)) == [
        ("household.erase", (household.id,))]
    assert view_screen(session, viewer=reporter, names=VI, household_id=household.id or 0) == card
    outsider = _user(session, Role.REPORTER, "GL-KP-CHUGU")
    assert view_screen(session, viewer=outsider, names=VI, household_id=household.id or 0) is None
    several = search_screen(session, viewer=reporter, names=EN, text="nguyen van")
    assert [verb for verb, _ in presses(several)] == ["household.view", "household.view"]
    one = search_screen(session, viewer=reporter, names=EN, text="HN-07")
    assert one.body.lines[0][0] == Span("Nguyễn Văn A", "bold")
    bad = add_household_screen(session, viewer=reporter, names=EN, line="HN-09; Trần Thị C", year=2026)
    assert bad.body.plain().startswith("Write: /household_add")
    added = add_household_screen(session, viewer=reporter, names=EN, line="HN-09; Trần Thị C; thôn 1; hộ nghèo; 4",
                                 year=2026)
    assert added.body.plain().startswith("Household added:\nTrần Thị C (HN-09 · thôn 1)")


def test_erasure_asks_with_the_name_in_bold(session: Session) -> None:
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP")
    household = _household(session, reporter, name="A <b>&")
    question = erase_command_screen(session, viewer=supervisor, t=EN.t, code="HN-07")
    assert Span("A <b>&", "bold") in question.body.lines[0]
    assert presses(question) == [("household.erase.yes", (household.id,)), ("household.erase.no", (household.id,))]
    assert "<b>A &lt;b&gt;&amp;</b>?" in render(question)[0], "escaped by the renderer, once"
    assert erase_command_screen(session, viewer=supervisor, t=EN.t, code="").body.plain().startswith("Write the")
    assert erase_question_screen(session, t=EN.t, household=household).rows == question.rows


def test_unreached_lists_households_or_units(session: Session) -> None:
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP")
    household = _household(session, reporter)
    own = unreached(session, viewer=reporter, names=EN, typed="", today=TODAY)
    assert own.screen is not None and own.households == [household]
    assert own.screen.body.plain().startswith("Year 2026, ") and "• Nguyễn Văn A (HN-07, thôn 3)" in \
        own.screen.body.plain()
    assert unreached(session, viewer=reporter, names=EN, typed="xyz", today=TODAY).screen is not None
    above = unreached(session, viewer=supervisor, names=EN, typed="", today=TODAY)
    assert above.screen is None and above.households == [household], "a list of units instead; the file has all"
    units = units_screen(session, viewer=supervisor, names=EN, category_code=None, today=TODAY, page=0, query="")
    assert units is not None and units.units is not None
    commune = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert commune is not None and ("unreached.unit", (commune.id,)) in presses(units)
    inside = unit_households_screen(session, viewer=supervisor, names=EN, unit_id=commune.id or 0,
                                    category_code=None, today=TODAY, back_page=0)
    assert inside is not None and presses(inside) == [("units.page", ("unr", 0))]
    other = get_unit_by_code(session, code="GL")
    assert other is not None
    assert unit_households_screen(session, viewer=reporter, names=EN, unit_id=other.id or 0, category_code=None,
                                  today=TODAY, back_page=0) is None, "not above the reader's own unit"


def test_import_preview_and_retry_carry_the_upload() -> None:
    t = EN.t
    ready = preview_screen(t, ImportPreview(mapping={"code": "Mã hộ"}, rows=[{}, {}], upload_id=7), "xã Ia Rsai")
    assert ready.body.plain().startswith("Columns found:\n• ") and "2 rows are ready" in ready.body.plain()
    assert presses(ready) == [("household.import", (7,)), ("household.import.no", (7,))]
    problems = preview_screen(t, ImportPreview(mapping={}, problems=["row 3: <no code>"]), "x")
    assert presses(problems) == [] and "&lt;no code&gt;" in render(problems)[0]
    assert presses(retry_screen(t, 7, 2)) == presses(ready)
