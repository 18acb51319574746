"""Official units since the 2025 reform: `chungtay import-units --official NAME|CODE` and `--all` build
provinces and their communes from the vietnam-provinces package, all or nothing; villages come from a
CSV under the official codes; "đặc khu" is a unit kind like xã and phường."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.cli import main
from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.records.action_text import Localised
from bot.domain.units.official import OfficialUnitsError, find_province, official_provinces
from bot.domain.units.tree import unit_display
from bot.i18n import get_translator
from db.models import Unit

VI = get_translator("vi")


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)


def _unit(session: Session, code: str) -> Unit | None:
    session.expire_all()
    return session.exec(select(Unit).where(Unit.code == code)).first()


def _under(session: Session, code: str) -> list[Unit]:
    parent = _unit(session, code)
    assert parent is not None
    return list(session.exec(select(Unit).where(Unit.parent_id == parent.id)).all())


def test_province_by_name_without_accents_then_by_code(cli: None, session: Session,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-units", "--official", "lang son"]) == 0
    assert "66 created, 0 updated" in capsys.readouterr().out
    province = _unit(session, "20")
    assert province is not None and (province.name, province.kind, province.depth) == ("Lạng Sơn", "province", 0)
    communes = _under(session, "20")
    assert len(communes) == 65 and {c.kind for c in communes} == {"commune", "ward"}
    binh_gia = next(c for c in communes if c.name == "Bình Gia")
    assert len(binh_gia.code) == 5 and unit_display(VI, binh_gia) == "xã Bình Gia"
    assert main(["import-units", "--official", "52"]) == 0  # Gia Lai by its official code
    assert "136 created" in capsys.readouterr().out
    gia_lai = _unit(session, "52")
    assert gia_lai is not None and gia_lai.name == "Gia Lai" and len(_under(session, "52")) == 135
    assert [c.name for c in _under(session, "52") if c.name == "Ia Rsai"] == ["Ia Rsai"]


def test_special_zones_are_a_kind_with_their_own_word(cli: None, session: Session) -> None:
    assert main(["import-units", "--official", "Quảng Ninh"]) == 0
    zones = [u for u in _under(session, find_province("Quảng Ninh").code) if u.kind == "special_zone"]
    assert sorted(z.name for z in zones) == ["Cô Tô", "Vân Đồn"]
    assert unit_display(VI, zones[0]) in ("đặc khu Cô Tô", "đặc khu Vân Đồn")
    assert unit_display(get_translator("en"), zones[0]).endswith("special zone")
    names = Localised(load_catalogue_file(), VI).at("special_zone")
    assert names.organisation("commune_pc") == "UBND đặc khu"


def test_all_provinces_is_34_and_3321_communes(cli: None, session: Session,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = session.exec(select(func.count()).select_from(Unit)).one()
    assert main(["import-units", "--all"]) == 0
    assert "3355 created" in capsys.readouterr().out
    session.expire_all()
    official = [u for u in session.exec(select(Unit)).all() if u.code.isdigit()]
    provinces = [u for u in official if u.parent_id is None]
    kinds: dict[str, int] = {}
    for unit in official:
        if unit.parent_id is not None:
            kinds[unit.kind] = kinds.get(unit.kind, 0) + 1
    assert len(provinces) == 34 and {p.kind for p in provinces} == {"province", "city"}
    assert kinds == {"commune": 2621, "ward": 687, "special_zone": 13}
    assert session.exec(select(func.count()).select_from(Unit)).one() == before + 3355
    assert sum(len(p.communes) for p in official_provinces()) == 3321


def test_provinces_can_go_under_a_national_unit(cli: None, session: Session, tmp_path: Path) -> None:
    country = tmp_path / "country.csv"
    country.write_text("code,name,kind,parent_code\nVN,Việt Nam,country,\n", encoding="utf-8")
    assert main(["import-units", "--official", "Cao Bằng", "--under", "VN", str(country)]) == 0
    province, nation = _unit(session, find_province("cao bang").code), _unit(session, "VN")
    assert province is not None and nation is not None
    assert province.parent_id == nation.id and province.depth == 1
    assert {c.depth for c in _under(session, province.code)} == {2}


def test_reimport_updates_names_and_kinds(cli: None, session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-units", "--official", "Lạng Sơn"]) == 0
    capsys.readouterr()
    commune = next(c for c in _under(session, "20") if c.name == "Bình Gia")
    commune.name, commune.kind = "Bình Gia (tên cũ)", "town"
    session.add(commune)
    session.commit()
    assert main(["import-units", "--official", "Tỉnh Lạng Sơn"]) == 0
    assert "0 created, 66 updated, 0 moved" in capsys.readouterr().out
    again = _unit(session, commune.code)
    assert again is not None and (again.name, again.kind, again.id) == ("Bình Gia", "commune", commune.id)


def test_villages_come_from_a_csv_under_official_codes(cli: None, session: Session, tmp_path: Path) -> None:
    binh_gia = next(u for u in find_province("Lạng Sơn").communes if u.name == "Bình Gia")
    villages = tmp_path / "villages.csv"
    villages.write_text("code,name,kind,parent_code\n"
                        f"{binh_gia.code}-T1,Thôn Nà Pàn,village,{binh_gia.code}\n"
                        f"{binh_gia.code}-T2,Thôn Khuổi Chặng,village,{binh_gia.code}\n", encoding="utf-8")
    assert main(["import-units", "--official", "Lạng Sơn", str(villages)]) == 0
    village = _unit(session, f"{binh_gia.code}-T2")
    assert village is not None and village.depth == 2
    assert len(_under(session, binh_gia.code)) == 2
    # Later, a village file alone goes under the official codes already imported.
    more = tmp_path / "more.csv"
    more.write_text(f"code,name,kind,parent_code\n{binh_gia.code}-T3,Thôn Pác Ca,village,{binh_gia.code}\n",
                    encoding="utf-8")
    assert main(["import-units", str(more)]) == 0
    assert len(_under(session, binh_gia.code)) == 3


def test_any_mistake_writes_nothing(cli: None, session: Session, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = session.exec(select(func.count()).select_from(Unit)).one()
    bad = tmp_path / "villages.csv"
    bad.write_text("code,name,kind,parent_code\nV1,Thôn Một,village,99999\n", encoding="utf-8")
    assert main(["import-units", "--official", "Lạng Sơn", str(bad)]) == 1
    assert "line 2: parent 99999 of V1 is unknown" in capsys.readouterr().err
    assert main(["import-units", "--official", "Lạng Sơn", "--official", "Sơn La Mới"]) == 1
    assert "no province or city 'Sơn La Mới'" in capsys.readouterr().err
    assert main(["import-units"]) == 2
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Unit)).one() == before
    assert _unit(session, "20") is None


def test_a_bad_official_list_is_refused_before_writing(tmp_path: Path) -> None:
    broken = tmp_path / "divisions.json"
    broken.write_text('[{"name": "Tỉnh X", "code": 99, "division_type": "tỉnh", "wards": ['
                      '{"name": "Xã A", "code": 1, "division_type": "thôn"}]}]', encoding="utf-8")
    with pytest.raises(OfficialUnitsError, match="unknown kind of unit 'thôn'"):
        official_provinces(broken)
