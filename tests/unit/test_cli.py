"""Operator CLI: import units, create the first admin's invite link, migrate."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.cli import main
from db.models import Invite, Role, Unit


def test_create_admin_invite_prints_a_deep_link(database_url: str, session: Session,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["create-admin-invite", "--unit", "GL-KP"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://t.me/ChungTaySandboxBot?start=")
    invite = session.exec(select(Invite).where(Invite.token == link.split("=", 1)[1])).one()
    assert invite.role == Role.ADMIN


def test_import_units_reports_bad_lines_and_imports_good_files(database_url: str, session: Session, tmp_path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind,parent_code\nX1,Xã 1,commune,MISSING\n", encoding="utf-8")
    assert main(["import-units", str(bad)]) == 1
    assert "parent MISSING" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_text("code,name,kind,parent_code\nX1,Xã 1,commune,GL-KP\n", encoding="utf-8")
    assert main(["import-units", str(good)]) == 0
    assert "1 created" in capsys.readouterr().out
    assert session.exec(select(Unit).where(Unit.code == "X1")).one().depth == 2
    assert main(["migrate"]) == 0
