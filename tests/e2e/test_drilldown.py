"""Drill-down from a province total through child units to one record, then correct or void it."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from db.models import ActionStatus, SupportAction
from tests.support.harness import Chat


async def test_province_total_down_to_one_record_and_void_it(enroll: Callable[..., object],
                                                             session: Session) -> None:
    ia_rsai: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union",
                                 name="Ksor H'Lan")  # type: ignore[misc]
    chu_gu: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU", name="Rơ Châm Thu")  # type: ignore[misc]
    for chat, line in ((ia_rsai, "gạo 45 hộ 5410kg"), (chu_gu, "gạo 10 hộ 1200kg"), (chu_gu, "quà tết 5 suất 2tr")):
        await chat.send(line)
        await chat.tap("✅ Lưu")
    admin: Chat = await enroll(role="admin", unit_code="GL")  # type: ignore[misc]
    await admin.send("/totals")
    assert "6.610 kg" in admin.last.text
    await admin.tap("🔎 Hỗ trợ gạo")
    listing = admin.last.text
    assert "2 bản ghi" in listing and "Ksor H'Lan" in listing and "Rơ Châm Thu" in listing
    await admin.tap("↩️ Quay lại tổng hợp")
    await admin.tap("📍")
    await admin.tap("· huyện Krông Pa")
    await admin.tap("📍")
    await admin.tap("· xã Chư Gu")  # the picker opens on the unit on screen
    await admin.tap("🔎 Hỗ trợ gạo")
    listing = admin.last.text
    assert "1 bản ghi" in listing and "1.200 kg" in listing and "Ksor H'Lan" not in listing
    record = session.exec(select(SupportAction).where(SupportAction.quantity == 1200)).one()
    await admin.tap(f"🗑 #{record.id}")
    await admin.tap("🗑 Có, hủy bản ghi")
    session.expire_all()
    assert session.get(SupportAction, record.id).status == ActionStatus.VOID  # type: ignore[union-attr]
    await admin.send("/totals")
    assert "1.200 kg" not in admin.last.text


async def test_reporter_drill_down_offers_no_changes_to_others_records(enroll: Callable[..., object]) -> None:
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await author.send("gạo 45 hộ 5410kg")
    await author.tap("✅ Lưu")
    colleague: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await colleague.send("/totals")
    await colleague.tap("🔎 Hỗ trợ gạo")
    assert "1 bản ghi" in colleague.last.text
    assert not [b for b in colleague.last.buttons() if b["text"].startswith(("✏️", "🗑"))]
