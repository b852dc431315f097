"""A sweep folder whose manifest.json is gone: its runs are kept only if provably this spec's.

Each part file carries the fingerprint of its spec in its Parquet metadata; without the
manifest, runs of another spec were once taken up silently ("all 60 runs already
recorded", a wrong table).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from governance_sim.sweep import ResultsError, read_table, run_sweep, spec_from_dict


def spec(high: float, seed: int) -> dict:
    return {"sweep": {"name": "orphans", "model": "linear", "replicates": 3},
            "design": {"kind": "latin_hypercube", "samples": 20, "seed": seed},
            "uncertainties": {"x1": {"low": 0, "high": high}, "x2": {"low": 0, "high": 1}},
            "outcomes": {"y": {"metric": "y", "stat": "value"}}}


def test_another_specs_runs_without_a_manifest_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "o"
    run_sweep(spec_from_dict(spec(1.0, 1)), out, workers=1, progress=False)
    (out / "manifest.json").unlink()
    before = sorted((out / "runs").iterdir())
    with pytest.raises(ResultsError) as caught:
        run_sweep(spec_from_dict(spec(5.0, 2)), out, workers=1, progress=False)
    message = str(caught.value)
    assert "no manifest.json" in message and "another sweep" in message
    assert str(out / "runs") in message and "\n" not in message
    assert sorted((out / "runs").iterdir()) == before  # nothing lost
    assert not (out / "manifest.json").exists()


def test_this_specs_runs_without_a_manifest_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "o"
    run_sweep(spec_from_dict(spec(1.0, 1)), out, workers=1, progress=False)
    whole = read_table(out)
    (out / "manifest.json").unlink()
    report = run_sweep(spec_from_dict(spec(1.0, 1)), out, workers=1, progress=False)
    assert report.ran == 0 and report.skipped == 60
    pd.testing.assert_frame_equal(read_table(out), whole)


def test_part_files_without_a_fingerprint_are_not_taken_up(tmp_path: Path) -> None:
    from governance_sim.sweep.store import part_fingerprint

    out = tmp_path / "o"
    run_sweep(spec_from_dict(spec(1.0, 1)), out, workers=1, progress=False)
    part = sorted((out / "runs").glob("part-*.parquet"))[0]
    assert part_fingerprint(part)
    pd.read_parquet(part).to_parquet(part, index=False)  # as an older version wrote it
    assert part_fingerprint(part) is None
    (out / "manifest.json").unlink()
    with pytest.raises(ResultsError, match="does not carry this spec's fingerprint"):
        run_sweep(spec_from_dict(spec(1.0, 1)), out, workers=1, progress=False)
