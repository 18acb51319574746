"""The screens of /users, /invites, /invite, the welcome, /help, /me, /language, /zalo, /kenh, the kept
line and /dashboard, read as plain data (title line, buttons' verbs and values) without Telegram; each is
drawn once by the renderer too, so every verb it uses is known there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.dashboard.screen import dashboard_screen
from bot.domain.people import screens as people
from bot.domain.people.access import AccessDenied, create_invite
from bot.domain.people.channel_screens import channel_screen, link_code_screen
from bot.domain.people.invite_screens import created_screen, organisations_screen, roles_screen, units_screen
from bot.domain.people.welcome import help_screen, join_screen, language_screen, me_screen, start_screen
from bot.domain.records.action_text import Localised
from bot.domain.records.kept_line import kept_line_screen
from bot.domain.screen import LINK, WEB_APP, Screen
from bot.domain.spans import Span
from bot.i18n import get_translator
from bot.presentation.render import render
from db.models import Role, User
from db.queries import get_unit_by_code

CATALOGUE = load_catalogue_file()
VI, EN = Localised(CATALOGUE, get_translator("vi")), Localised(CATALOGUE, get_translator("en"))
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_ids = iter(range(8_200_001, 8_300_000))


def _user(session: Session, role: Role, unit_code: str, name: str = "Cán bộ") -> User:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    user = User(telegram_id=next(_ids), display_name=name, role=role, unit_id=unit.id)
    session.add(user)
    session.commit()
    return user


def presses(screen: Screen) -> list[tuple[str, tuple[object, ...]]]:
    render(screen)  # every verb is the renderer's, every value fits the codec
    return [(item.press.verb, item.press.values) for row in screen.rows for item in row]


def first_line(screen: Screen) -> list[tuple[str, str]]:
    return [(span.text, span.style) for span in screen.body.lines[0]]


def test_people_page_card_and_menus(session: Session) -> None:
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP", name="Giám sát")
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI", name="Ksor <H'Lan>")
    manager = people.Manager(supervisor, EN, TZ, NOW)
    page = people.people_screen(session, manager, page=0)
    assert first_line(page)[0][1] == "bold" and first_line(page)[0][0].startswith("People of ")
    assert Span("Ksor <H'Lan>", "bold") in [span for line in page.body.lines for span in line]
    assert ("people.person", (reporter.id, 0)) in presses(page)
    assert "<b>Ksor &lt;H&#x27;Lan&gt;</b>" in render(page)[0]
    card = people.open_person_screen(session, manager, person_id=reporter.id or 0, page=0)
    assert first_line(card) == [("Ksor <H'Lan>", "bold")]
    assert presses(card) == [("people.deactivate", (reporter.id, 0)), ("people.roles", (reporter.id, 0)),
                             ("people.units", (reporter.id, None, 0)), ("people.list", (0,))]
    roles = people.role_menu_screen(session, manager, person_id=reporter.id or 0, page=0)
    assert ("people.role", (reporter.id, "supervisor", 0)) in presses(roles)
    menu, shown = people.unit_menu_screen(session, manager, person_id=reporter.id or 0, unit_id=None, page=0)
    assert shown == supervisor.unit_id and presses(menu)[0] == ("people.unit", (reporter.id, supervisor.unit_id))
    assert menu.units is not None
    done = people.deactivate_screen(session, manager, person_id=reporter.id or 0, page=0)
    assert done.body.plain().startswith("✅ Ksor <H'Lan> is deactivated.")
    with pytest.raises(AccessDenied):
        people.open_person_screen(session, people.Manager(supervisor, EN, TZ, NOW), person_id=supervisor.id or 0,
                                  page=0)


def test_invites_page_and_revoking(session: Session) -> None:
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP")
    manager = people.Manager(supervisor, VI, TZ, NOW)
    assert people.invites_screen(session, manager).body.plain().startswith("Đơn vị của anh/chị không có lời mời")
    commune = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert commune is not None
    invite = create_invite(session, inviter=supervisor, role=Role.REPORTER, unit_id=commune.id or 0,
                           organisation_id=None, ttl=timedelta(hours=72), now=NOW)
    listed = people.invites_screen(session, manager)
    assert first_line(listed)[0] == ("Lời mời còn hiệu lực", "bold")
    assert presses(listed) == [("people.revoke", (invite.id,))]
    revoked = people.revoke_screen(session, manager, invite_id=invite.id or 0)
    assert revoked.body.plain().startswith("✅ ") and presses(revoked) == []


def test_invite_steps(session: Session) -> None:
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP")
    assert presses(roles_screen(t=EN.t, inviter=supervisor)) == [
        ("invite.role", ("reporter",)), ("invite.role", ("supervisor",)), ("invite.cancel", ())]
    district = get_unit_by_code(session, code="GL-KP")
    assert district is not None
    units = units_screen(session, t=EN.t, inviter=supervisor, unit=district, page=0, query="")
    assert presses(units)[0] == ("invite.unit", (district.id,)) and presses(units)[-1] == ("invite.cancel", ())
    assert organisations_screen(session, names=EN, unit=district).rows[-2][0].press.values == (None,)
    made = created_screen(session, names=EN, inviter=supervisor, role="reporter", unit_id=district.id or 0,
                          organisation_id=None, ttl=timedelta(hours=72), now=NOW, tz=TZ, bot_username="chungtay_bot")
    [(verb, (link,))] = presses(made)
    assert verb == LINK and str(link).startswith("https://t.me/chungtay_bot?start=")
    assert render(made)[1].inline_keyboard[0][0].url == link
    with pytest.raises(AccessDenied):
        created_screen(session, names=EN, inviter=supervisor, role="admin", unit_id=district.id or 0,
                       organisation_id=None, ttl=timedelta(hours=1), now=NOW, tz=TZ, bot_username="b")


def test_welcome_help_me_and_language(session: Session) -> None:
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI", name="Ksor H'Lan")

    def commands(user: User | None) -> list[str]:
        return ["/log — record support"] if user is not None else []

    helped = help_screen(t=VI.t, viewer=reporter, commands=commands)
    assert first_line(helped) == [("Chung Tay", "bold"), (" — ghi nhận hỗ trợ hộ nghèo.", "plain")]
    assert helped.body.plain().endswith("\n\n/log — record support")
    assert render(helped)[0].startswith("<b>Chung Tay</b> — ")
    again = start_screen(t=EN.t, viewer=reporter, commands=commands)
    assert again.body.plain().startswith("Hello Ksor H'Lan!") and len(again.menu) == 3 and not again.rows
    assert render(again)[1].keyboard[0][1].text == again.menu[1], "the main menu under the text box"
    assert start_screen(t=EN.t, viewer=None, commands=commands).menu == ()
    me = me_screen(session, viewer=reporter, names=VI)
    assert first_line(me) == [("Tài khoản của anh/chị", "bold")] and "Ksor H'Lan" in me.body.plain()
    assert presses(language_screen(EN.t)) == [("language", ("vi",)), ("language", ("en",))]
    commune = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert commune is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=commune.id or 0, organisation_id=None,
                           ttl=timedelta(hours=1), now=NOW)
    result, joined = join_screen(session, names=EN, token=invite.token, telegram_id=next(_ids), display_name="Mới",
                                 now=NOW, commands=commands)
    assert result.user is not None and joined.body.plain().startswith("Welcome, Mới!") and joined.menu
    _, reused = join_screen(session, names=EN, token=invite.token, telegram_id=next(_ids), display_name="Khác",
                            now=NOW, commands=commands)
    assert reused.body.plain().startswith("This invite link has already been used.")


def test_zalo_code_channel_kept_line_and_dashboard(session: Session) -> None:
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    made = link_code_screen(session, viewer=reporter, t=EN.t, now=NOW, zalo_enabled=True)
    [code] = [span for span in made.body.lines[0] if span.style == "code"]
    assert code.text.startswith("/link ") and f"<code>{code.text}</code>" in render(made)[0]
    assert link_code_screen(session, viewer=reporter, t=EN.t, now=NOW, zalo_enabled=False).body.plain() == \
        "This bot is not set up on Zalo."
    assert presses(channel_screen(session, viewer=reporter, t=EN.t)) == [], "no Zalo account linked yet"
    assert presses(kept_line_screen(EN.t)) == [("kept.entry", ()), ("kept.totals", ())]
    assert presses(dashboard_screen(EN.t, url="https://example.org/d")) == [(WEB_APP, ("https://example.org/d",))]
    assert presses(dashboard_screen(EN.t, url=None)) == []
