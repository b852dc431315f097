"""docs/parameters.md is generated from the parameter definitions and must not be stale."""

from pathlib import Path

from governance_sim import Params
from governance_sim.docs import main, parameters_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_committed_parameter_document_is_current():
    committed = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == parameters_markdown(), (
        "docs/parameters.md is stale: run `python -m governance_sim.docs`")


def test_every_field_is_documented_with_a_source():
    text = parameters_markdown()
    for row in Params.describe().itertuples():
        assert f"| `{row.name}` |" in text
        assert row.source, f"{row.name} has no source"


def test_check_mode_detects_a_stale_file(tmp_path):
    stale = tmp_path / "parameters.md"
    stale.write_text("old\n", encoding="utf-8")
    assert main(["--out", str(stale), "--check"]) == 1
    assert main(["--out", str(stale)]) == 0
    assert main(["--out", str(stale), "--check"]) == 0
