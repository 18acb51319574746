"""Every text is sent as HTML (the parse mode is the wiring's default), so every text must be drawn by the
renderer, which escapes: a "<", ">" or "&" typed by a person or in a unit's name arrives as it was written,
through the real Application and the fake Bot API (which parses HTML and refuses what Telegram refuses)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from db.queries import get_unit_by_code
from tests.support.harness import Chat

ODD_NAME = "Ia <Rsai> & Co"


def _rename(session: Session, code: str, name: str) -> None:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    unit.name = name
    session.add(unit)
    session.commit()


async def test_an_unknown_command_with_markup_characters_is_echoed_intact(enroll: Callable[..., object]) -> None:
    chat: Chat = await enroll(role="reporter")  # type: ignore[misc]
    [answer] = await chat.send("/x<b>&y")
    assert answer.text == "Xin lỗi, bot không có lệnh /x<b>&y. Gõ /help để xem các việc bot làm được."
    assert answer.parse_mode == "HTML" and answer.raw_text.startswith("Xin lỗi, bot không có lệnh /x&lt;b&gt;&amp;y.")


async def test_a_unit_name_with_markup_characters_reaches_answers_and_captions(
        enroll: Callable[..., object], session: Session) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    _rename(session, "GL-KP-IARSAI", ODD_NAME)
    [answer] = await chat.send("tỷ lệ hộ nghèo?")
    assert answer.text == f"xã {ODD_NAME} chưa có số liệu rà soát. Các xã nhập bằng lệnh /review."
    assert answer.parse_mode == "HTML"
    files = [m for m in await chat.send("/export") if m.kind == "document"]
    assert len(files) == 1 and files[0].caption is not None and files[0].caption.startswith(f"xã {ODD_NAME}, ")
    assert files[0].parse_mode == "HTML"
    texts = [m.text for m in chat.messages]
    assert not any(text.startswith("Xin lỗi, hệ thống đang gặp sự cố") for text in texts), texts
