"""The committed answer of ``experiments/what_leaders_need`` is what its script writes."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

EXPERIMENT = Path(__file__).resolve().parents[1] / "experiments" / "what_leaders_need"


def _answer_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wln_answer", EXPERIMENT / "answer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def written() -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """The committed runs, and the answer and effects the script computes from them."""
    module = _answer_module()
    runs = module.load_runs(EXPERIMENT / "result" / "runs.csv")
    lines, table = module.answer(runs)
    return runs, lines, table


def test_the_committed_runs_are_the_spec_s_design(
        written: tuple[pd.DataFrame, list[str], pd.DataFrame]) -> None:
    """160 points x 8 distinct drawn worlds x 2 seeds shared by all, as ``spec.toml`` asks."""
    runs, _, _ = written
    spec = tomllib.loads((EXPERIMENT / "spec.toml").read_text(encoding="utf-8"))
    points, draws = spec["design"]["samples"], spec["uncertainty"]["draws"]
    assert runs["point_id"].nunique() == points
    assert runs["draw"].nunique() == draws
    assert len(runs) == points * draws * spec["sweep"]["replicates"]
    # one seed per replicate, the same for every point and draw (common random numbers)
    assert runs["seed"].nunique() == spec["sweep"]["replicates"] == 2
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    assert (runs.groupby(["point_id", "draw"])["seed"].nunique() == 2).all()
    drawn = [c for c in runs.columns if c.startswith("drawn_")]
    assert len(runs.groupby("draw")[drawn].first().drop_duplicates()) == draws
    # every run of a draw has the same drawn parameters
    assert (runs.groupby("draw")[drawn].nunique() == 1).all().all()


def test_the_committed_answer_is_what_the_script_writes(
        written: tuple[pd.DataFrame, list[str], pd.DataFrame]) -> None:
    """``result/answer.md`` and ``result/effects.csv`` follow from ``result/runs.csv``."""
    _, lines, table = written
    committed = (EXPERIMENT / "result" / "answer.md").read_text(encoding="utf-8")
    assert "\n".join(lines) + "\n" == committed
    effects = pd.read_csv(EXPERIMENT / "result" / "effects.csv")
    assert list(effects["factor"]) == list(table["factor"])
    assert list(effects["class"]) == list(table["class"])
    for column in ("per_sd", "low90", "high90"):
        assert effects[column].to_numpy() == pytest.approx(table[column].to_numpy(),
                                                           rel=1e-4, abs=1e-7)
