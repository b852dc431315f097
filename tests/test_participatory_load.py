"""A light run of the participatory load test (benchmarks/participatory_load.py).

20 simulated phones play 2 rounds against the real server on loopback. The machine running
the tests is shared, so the latency bound here is loose (a new round reaches every phone
within 10 s); docs/participatory.md quotes the full run's numbers (60 phones, 10 rounds).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_twenty_phones_get_every_round(tmp_path):
    out = tmp_path / "load.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "participatory_load.py"), "--students",
         "20", "--rounds", "2", "--json", str(out)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    numbers = json.loads(out.read_text())
    assert numbers["students"] == 20 and numbers["rounds"] == 2
    assert 0 < numbers["latency_each_median_s"] <= numbers["latency_all_p95_s"] < 10.0
    assert 0 < numbers["join_bytes"] < 1_000_000
    assert 0 < numbers["after_start_mb"] <= numbers["at_end_mb"] < 1000
    assert "every phone has it" in result.stdout
