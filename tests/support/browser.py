"""Launching Debian's Chromium for the browser tests (installed by scripts/ensure-system-deps.sh)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


async def launch_chromium(playwright: Any) -> Any:
    """Headless Chromium from the system package (no browser download at test time)."""
    assert CHROMIUM.exists(), "scripts/ensure-system-deps.sh installs Debian's chromium"
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
