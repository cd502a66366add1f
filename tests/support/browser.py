"""Debian's Chromium for browser tests: where it is, how it starts, where screenshots go.

The flags keep a headless Chromium off the network it cannot reach from here
(background updates, sync, first-run pages).
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
