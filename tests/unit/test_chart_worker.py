"""The chart process (bot/domain/reports/chart_worker.py): one warm child that draws every chart and loads no
database or Telegram code, a fresh child when one dies, no chart (not no digest) when the fresh one dies
too, and no child left once the application is shut down. Children die for real (`os._exit`)."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from pathlib import Path

import pytest

from bot.domain.reports import chart_worker
from tests.support import chart_probes
from tests.support.harness import BotUnderTest

PNG = b"\x89PNG"
CHART = {"title": "huyện Krông Pa, tháng 11/2026", "units": [("xã Ia Rsai", 273_900_000), ("xã Chư Gu", 100_000_000)],
         "trend": [("10/2026", 0), ("11/2026", 373_900_000)], "unit_axis": "Giá trị theo đơn vị",
         "trend_axis": "Giá trị theo tháng", "money_label": "triệu đồng", "locale": "vi"}
RETRY = "the chart process died; starting a new one and trying again"
GIVEN_UP = "the chart process died twice: the digest goes out without its chart"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == chart_worker.__name__ and r.levelno == logging.WARNING]


def test_every_chart_is_drawn_by_one_child_that_loads_no_database_or_telegram_code(
        caplog: pytest.LogCaptureFixture) -> None:
    png = chart_worker.chart_png(**CHART)  # type: ignore[arg-type]
    assert png is not None and png.startswith(PNG)
    child = chart_worker.call(chart_probes.pid)
    again = chart_worker.chart_png(**CHART)  # type: ignore[arg-type]
    assert again is not None and again.startswith(PNG)
    assert chart_worker.call(chart_probes.pid) == child != os.getpid()
    modules = set(chart_worker.call(chart_probes.loaded_modules))
    assert {"matplotlib.figure", "bot.domain.reports.charts"} <= modules
    assert not {"sqlmodel", "sqlalchemy", "telegram", "db", "handlers", "bot.domain.services"} & modules
    assert _warnings(caplog) == []


def test_a_child_that_dies_is_replaced_and_the_chart_drawn_by_the_next(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    died = tmp_path / "died"
    monkeypatch.setattr(chart_worker, "DRAW", functools.partial(chart_probes.die_once, str(died)))
    png = chart_worker.chart_png(**CHART)  # type: ignore[arg-type]
    assert died.exists()  # the first child did die
    assert png is not None and png.startswith(PNG)
    assert _warnings(caplog) == [RETRY]


def test_when_the_fresh_child_dies_too_there_is_no_chart_and_the_next_chart_is_drawn(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    with monkeypatch.context() as dying:
        dying.setattr(chart_worker, "DRAW", chart_probes.die)
        assert chart_worker.chart_png(**CHART) is None  # type: ignore[arg-type]
    assert _warnings(caplog) == [RETRY, GIVEN_UP]
    assert "Krông Pa" not in caplog.text and "Ia Rsai" not in caplog.text
    png = chart_worker.chart_png(**CHART)  # type: ignore[arg-type]
    assert png is not None and png.startswith(PNG)


async def test_shutting_the_application_down_stops_the_child(bot: BotUnderTest) -> None:
    child = await asyncio.to_thread(chart_worker.call, chart_probes.pid)
    assert Path(f"/proc/{child}").exists()
    assert bot.application is not None
    bot.application.stops_chart_process = True  # as in the bot (the test run keeps one child: conftest.py)
    await bot.stop()
    assert not Path(f"/proc/{child}").exists()
    assert await asyncio.to_thread(chart_worker.call, chart_probes.pid) != child  # the next chart starts one
