"""Plausibility at entry end to end: a slip of one zero warns on the card with the reason, fixing it
removes the warning, saving it anyway marks the record for the supervisor (history, digest)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session, col, select

from bot.domain.records import plausibility
from db.models import SupportAction
from tests.support.harness import Chat

SLIP = "gạo 30 hộ 36000kg 54tr"


@pytest.fixture(autouse=True)
def _no_cached_history() -> Iterator[None]:
    plausibility.forget_history()
    yield
    plausibility.forget_history()


@pytest.fixture
async def reporter(enroll: Callable[..., object]) -> Chat:
    return await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union",  # type: ignore[misc,no-any-return]
                        name="Ksor H'Lan")


def _actions(session: Session) -> list[SupportAction]:
    session.expire_all()
    return list(session.exec(select(SupportAction).order_by(col(SupportAction.id))).all())


async def test_a_slip_of_one_zero_warns_and_fixing_it_removes_the_warning(reporter: Chat, session: Session) -> None:
    replies = await reporter.send(SLIP)
    card = replies[-1].text
    assert "36.000 kg" in card and "⚠️" in card
    assert "≈1.200 kg/hộ, thường 3–400 kg/hộ" in card  # the why, from the catalogue's defaults (no history)
    assert "≈1,5 nghìn đồng/kg, thường 8–40 nghìn đồng/kg" in card
    assert "✏️ Sửa" in card and "đánh dấu để cấp trên xem" in card
    await reporter.tap("✏️ Sửa")
    await reporter.tap("Số kg gạo")
    replies = await reporter.send("3600")
    card = replies[-1].text
    assert "3.600 kg" in card and "⚠️" not in card and "≈" not in card
    replies = await reporter.tap("✅ Lưu")
    assert any("Đã lưu" in m.text for m in replies) and not any("đánh dấu" in m.text for m in replies)
    [action] = _actions(session)
    assert action.quantity == 3600 and action.unusual_confirmed is False


async def test_confirming_saves_and_marks_the_record_for_the_supervisor(
        reporter: Chat, enroll: Callable[..., object], session: Session) -> None:
    await reporter.send(SLIP)
    assert "≈1.200 kg/hộ" in reporter.last.text
    replies = await reporter.tap("✅ Lưu")
    assert any("Đã lưu" in m.text and "⚠️ Đã đánh dấu để cấp trên xem" in m.text for m in replies)
    await reporter.send("gạo 45 hộ 108 khẩu 5410kg 81,15tr")  # ordinary: no warning, not marked
    assert "⚠️" not in reporter.last.text
    await reporter.tap("✅ Lưu")
    slip, ordinary = _actions(session)
    assert slip.quantity == 36000 and slip.unusual_confirmed is True and ordinary.unusual_confirmed is False
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐ")  # type: ignore[assignment]
    await supervisor.send("/history")
    lines = supervisor.last.text.splitlines()
    assert any(f"#{slip.id} " in line and "⚠️ số liệu bất thường đã xác nhận" in line for line in lines)
    assert not any(f"#{ordinary.id} " in line and "bất thường" in line for line in lines)
    replies = await supervisor.send("/digest")
    assert "⚠️ 1 bản ghi có số liệu bất thường đã xác nhận." in replies[-3].text


async def test_a_correction_that_fixes_the_slip_is_no_longer_marked(reporter: Chat, session: Session) -> None:
    await reporter.send(SLIP)
    await reporter.tap("✅ Lưu")
    [marked] = _actions(session)
    assert marked.unusual_confirmed
    await reporter.send("/history")
    await reporter.tap(f"✏️ #{marked.id}")
    assert "≈1.200 kg/hộ" in reporter.last.text  # the correction card warns too
    await reporter.tap("✏️ Sửa")
    await reporter.tap("Số kg gạo")
    await reporter.send("3600")
    assert "≈" not in reporter.last.text
    await reporter.tap("✅ Lưu")
    old, new = _actions(session)
    assert new.supersedes_id == old.id and new.quantity == 3600 and new.unusual_confirmed is False
