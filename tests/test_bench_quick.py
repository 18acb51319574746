"""The benchmarks in bench/ still run: their quick mode, end to end, produces numbers.

It checks that every benchmark runs and reports figures (and that the broadcast loses and doubles
nothing), not how fast anything is: the machine's speed is not the code's business here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from numbers import Real
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_quick_benchmarks_run_and_report_numbers(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(REPO / "bench" / "run_all.py"), "--quick", "--no-write", "--out",
                    str(tmp_path)], check=True, cwd=REPO, capture_output=True, timeout=240)
    results = {path.stem: json.loads(path.read_text()) for path in tmp_path.glob("*.json")}
    assert set(results) == {"chat_path", "broadcast", "loop_lag", "national_data", "dashboard_api"}

    chat = results["chat_path"]["figures"]
    assert set(chat) == {"bare", "bare+limiter", "bare+limiter+db", "chungtay"}
    for kind, figures in chat.items():
        assert figures["updates_per_s"] > 0 and figures["cpu_ms_per_update"] >= 0, kind
        assert figures["saved"] > 0 and figures["chat_messages_per_entry"] >= 1, kind
        assert figures["answered"] == figures["open_updates"], f"{kind}: an update went unanswered"
        assert figures["p50_ms"] > 0 and figures["peak_rss_mb"] > 0 and figures["cold_start_s"] > 0, kind
    assert "Chung Tay ÷" in results["chat_path"]["markdown"]

    broadcast = results["broadcast"]["figures"]
    assert broadcast["msg_per_s"] > 0 and broadcast["restart_after"] > 0
    assert broadcast["lost"] == 0 and broadcast["doubled"] == 0

    lag = results["loop_lag"]["figures"]
    for work in ("digest", "export", "import"):
        assert lag[work]["seconds"] > 0 and lag[work]["samples"] >= 0 and lag[work]["max_ms"] >= 0, work
    assert f"{lag['households']} hộ mới" in lag["imported_reply"]  # the whole list really was imported

    national = results["national_data"]["figures"]
    assert any(label.startswith("/status") for label in national)
    assert all(isinstance(value, Real) and value > 0 for value in national.values()), national
    dashboard = results["dashboard_api"]["figures"]
    assert any(label.startswith("reporting page") for label in dashboard) and len(dashboard) == 5, dashboard
    assert all(isinstance(value, Real) and value > 0 for value in dashboard.values()), dashboard
    for result in results.values():
        assert result["markdown"].startswith("|") and result["machine"] and result["command"].startswith("bench/")
