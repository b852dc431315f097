"""Same seed, same bits, whatever the number of threads: serial, pool and Dask at 20 000
citizens (issue 13: the metrics' reductions are fixed-order sums, never BLAS dot products,
whose split over threads changed the last bit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from governance_sim.sweep import read_table, run_sweep

SPEC = """
[sweep]
name = "threads"
steps = 6
replicates = 2
seed = 5
[uncertainties]
initial_trust = [0.35, 0.6]
[constants]
n_citizens = 20000
n_units = 40
[outcomes]
trust = { metric = "trust_mean" }
social = { metric = "social_capital" }
voice = { metric = "voice_trust_gap" }
pv = { metric = "pv_outcomes" }
index = { metric = "public_value_index", stat = "mean", window = [0, 6] }
"""


def test_serial_pool_and_dask_give_identical_bits_at_20000_citizens(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    with threadpool_limits(limits=4):  # the serial run's BLAS may use several threads
        run_sweep(spec, tmp_path / "serial", workers=1, progress=False)
    run_sweep(spec, tmp_path / "pool", workers=2, progress=False, chunk=1)  # 1 thread each
    run_sweep(spec, tmp_path / "dask", scheduler="local", workers=2, progress=False)
    tables = {name: read_table(tmp_path / name).drop(columns="elapsed_s")
              for name in ("serial", "pool", "dask")}
    serial = tables["serial"]
    assert len(serial) == 4 and (serial["status"] == "ok").all()
    for name in ("pool", "dask"):
        for column in ("trust", "social", "voice", "pv", "index"):
            assert np.array_equal(serial[column].to_numpy().view(np.int64),
                                  tables[name][column].to_numpy().view(np.int64)), (name, column)


def test_metrics_use_no_blas_reductions() -> None:
    """A guard for future edits: no ``@``, ``dot``, ``inner``, ``matmul`` or ``vdot``."""
    import ast
    import inspect

    from governance_sim import metrics

    tree = ast.parse(inspect.getsource(metrics))
    found = [node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)]
    found += [node.lineno for node in ast.walk(tree)
              if isinstance(node, ast.Attribute)
              and node.attr in ("dot", "inner", "matmul", "vdot", "einsum", "tensordot")]
    assert found == [], f"BLAS reductions in metrics.py at lines {found}"
