"""sensitivity warns when confidence intervals are wider than the indices and suggests N."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from governance_sim.analysis import precision_notes
from governance_sim.cli import main

ISHIGAMI = """
[sweep]
name = "ishigami"
model = "ishigami"
seed = 11

[design]
kind = "sobol"
samples = 8

[uncertainties]
x1 = { low = -3.141592653589793, high = 3.141592653589793 }
x2 = { low = -3.141592653589793, high = 3.141592653589793 }
x3 = { low = -3.141592653589793, high = 3.141592653589793 }

[outcomes]
y = { stat = "value" }
"""


def _sobol(s1, s1_conf) -> pd.DataFrame:
    names = [f"x{i}" for i in range(len(s1))]
    return pd.DataFrame({"S1": s1, "S1_conf": s1_conf, "ST": [0.5] * len(s1),
                         "ST_conf": [0.05] * len(s1)}, index=pd.Index(names, name="parameter"))


def test_wide_intervals_for_most_factors_are_named_with_a_suggested_n():
    manifest = {"design": {"kind": "sobol", "samples": 16}}
    notes = precision_notes({"y_sobol": _sobol([0.1, 0.05, 0.3, 0.0],
                                               [0.3, 0.2, 0.1, 0.2])}, manifest)
    assert len(notes) == 1, "ST's intervals are narrow: only S1 is named"
    note = notes[0]
    assert "S1_conf > |S1| for 3 of 4 factors" in note and note.startswith("y:")
    # median ratio conf/|S1| (floor 0.01) = median(3, 4, 0.33, 20) = 3.5 -> 16 * 7**2 = 784
    assert "base samples N = 1,024 (now 16)" in note


def test_narrow_intervals_or_a_minority_of_wide_ones_give_no_warning():
    manifest = {"design": {"kind": "sobol", "samples": 1024}}
    assert precision_notes({"y_sobol": _sobol([0.3, 0.4, 0.0], [0.05, 0.04, 0.03])},
                           manifest) == []
    morris = pd.DataFrame({"mu": [1.0, 2.0], "mu_star": [1.0, 2.0],
                           "mu_star_conf": [2.0, 3.0], "sigma": [0.1, 0.1]})
    notes = precision_notes({"y_morris": morris}, {"design": {"kind": "morris",
                                                              "samples": 10}})
    assert notes and "mu_star_conf > |mu_star| for 2 of 2" in notes[0]
    assert "trajectories = 123 (now 10)" in notes[0]


def test_cli_sensitivity_prints_the_warning_and_the_index_page_shows_it(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "ish.toml"
    spec.write_text(ISHIGAMI)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "1",
                 "--no-progress"]) == 0
    assert main(["sensitivity", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "warning: y:" in out and "wider than the indices" in out and "(now 8)" in out
    page = (tmp_path / "o" / "sensitivity" / "index.html").read_text(encoding="utf-8")
    assert "wider than the indices" in page and "(now 8)" in page
