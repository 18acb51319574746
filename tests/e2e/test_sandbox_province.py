"""The sandbox starts on a real province of the two-level government (Lạng Sơn: the province, its 65
official communes, a few villages): a provincial supervisor, commune officers of two organisations, an
administrator and a newcomer, each at their unit of the new tree."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from bot.config import Settings
from bot.sandbox.fake_api import FakeUser
from bot.sandbox.runner import SANDBOX_PROVINCE, seed_sandbox
from db.models import Organisation, Role, Unit, User
from db.queries import get_unit_by_code, list_child_units
from tests.support.harness import BotUnderTest, Chat


def _persona(personas: list[dict[str, object]], telegram_id: int) -> FakeUser:
    [persona] = [p for p in personas if p["id"] == telegram_id]
    return FakeUser(id=telegram_id, first_name=str(persona["first_name"]))


async def test_sandbox_personas_work_on_the_province_commune_tree(
        bot: BotUnderTest, settings: Settings, session: Session, chat_with: Callable[[FakeUser], Chat]) -> None:
    personas = seed_sandbox(session, settings, now=bot.runtime.clock())
    province = get_unit_by_code(session, code=SANDBOX_PROVINCE)
    assert province is not None and (province.name, province.kind, province.parent_id) == ("Lạng Sơn", "province", None)
    communes = list_child_units(session, parent_id=province.id)
    assert len(communes) == 65 and {c.kind for c in communes} == {"commune", "ward"}
    binh_gia = next(c for c in communes if c.name == "Bình Gia")
    assert [v.name for v in list_child_units(session, parent_id=binh_gia.id)] == [
        "Thôn Khuổi Hẩu", "Thôn Nà Pàn", "Thôn Pác Ca"]
    assert [p["label"] for p in personas] == [
        "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn (giám sát)", "UBND xã Bình Gia (báo cáo viên)",
        "Ủy ban MTTQ xã Hoa Thám (báo cáo viên)", "Quản trị viên tỉnh Lạng Sơn",
        "UBND xã Hoa Thám (báo cáo viên)", "Người mới (chưa đăng ký, có lời mời)"]

    front = chat_with(_persona(personas, 1003))
    await front.send("gạo 12 hộ 1500kg")
    await front.tap("✅ Lưu")
    commune_pc = chat_with(_persona(personas, 1002))
    await commune_pc.send("quà tết 20 suất 10tr")
    await commune_pc.tap("✅ Lưu")
    supervisor = chat_with(_persona(personas, 1001))
    await supervisor.send("/totals")
    assert "tỉnh Lạng Sơn" in supervisor.last.text and "1.500 kg" in supervisor.last.text
    await supervisor.tap("Theo đơn vị")
    by_unit = supervisor.last.text
    assert "xã Hoa Thám" in by_unit and "xã Bình Gia" in by_unit

    newcomer = next(p for p in personas if p["invite_start"])
    welcome = await chat_with(_persona(personas, int(str(newcomer["id"])))).reply_text(str(newcomer["invite_start"]))
    assert "xã Tân Văn" in welcome


async def test_an_older_sandbox_database_gets_the_province_and_its_people_move(
        bot: BotUnderTest, settings: Settings, session: Session) -> None:
    """A sandbox database made before the reform (Krông Pa district) keeps its tree; the province is added
    beside it and the sample people are put at their units in the new tree."""
    old_unit = get_unit_by_code(session, code="GL-KP")
    assert old_unit is not None and old_unit.id is not None
    session.add(User(telegram_id=1001, display_name="Nguyễn Thị Hoa", role=Role.SUPERVISOR, unit_id=old_unit.id))
    session.commit()
    seed_sandbox(session, settings, now=bot.runtime.clock())
    seed_sandbox(session, settings, now=bot.runtime.clock())  # a second start changes nothing
    session.expire_all()
    supervisor = session.exec(select(User).where(User.telegram_id == 1001)).one()
    unit = session.get(Unit, supervisor.unit_id)
    assert unit is not None and unit.code == SANDBOX_PROVINCE and supervisor.display_name == "Hoàng Văn Minh"
    assert get_unit_by_code(session, code="GL-KP") is not None
    front = session.exec(select(User).where(User.telegram_id == 1003)).one()
    organisation = session.get(Organisation, front.organisation_id)
    assert organisation is not None and organisation.code == "fatherland_front"
    assert len(session.exec(select(Unit).where(Unit.code == SANDBOX_PROVINCE)).all()) == 1
