"""The performance tables of docs/performance.md and the README, measured and written anew.

Runs, each population size in a fresh process:

1. ``bench_step.py``: ms per step, bytes per citizen, the floors and the speed-up over the
   per-agent reference (N = 1 000 ... 1 000 000; ``--quick``: 1 000 and 10 000);
2. ``gs.run`` for three steps at ``--memory-citizens`` citizens in a fresh process: its peak
   RSS / N, the memory figure the targets name (the interpreter and its imports included);
3. the fixed cost per step: ``bench_ensemble.py``'s least-squares fit of CPU time per step
   (schedule and metrics) against N.

It writes one Markdown file, dated and carrying the commit it measured, to
``--out`` (default ``out/performance/performance_tables.md``). With ``--update-docs`` it also
replaces the marked blocks in ``docs/performance.md`` (the table and the targets) and in
README.md's Performance section (one summary paragraph), and nothing else in them.

Usage::

    .venv/bin/python benchmarks/performance_tables.py                # about 3 minutes
    .venv/bin/python benchmarks/performance_tables.py --quick        # under a minute
    .venv/bin/python benchmarks/performance_tables.py --update-docs  # and rewrite the blocks

Timings are readings of one moment on one machine: the load average is written next to them.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOC = ROOT / "docs" / "performance.md"
README = ROOT / "README.md"
TABLE_MARKS = ("<!-- performance-tables:begin -->", "<!-- performance-tables:end -->")
SUMMARY_MARKS = ("<!-- performance-summary:begin -->", "<!-- performance-summary:end -->")

#: The targets (issue 22): speed-up over the reference at 100 000 citizens, bytes per citizen
#: through gs.run at 1 000 000, fixed CPU per step.
SPEEDUP_TARGET = 300.0
BYTES_TARGET = 190.0
FIXED_MS_TARGET = 0.1

#: The child that measures gs.run's peak memory (a fresh interpreter: its peak is its own).
MEMORY_CHILD = """
import json, resource, sys
import governance_sim as gs
n = int(sys.argv[1])
gs.run(steps=3, seed=1, settings={"n_citizens": n})
print(json.dumps({"peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def load() -> str:
    """The load averages (1, 5, 15 minutes)."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def commit() -> str:
    """The short commit of the checkout, with ``+changes`` if its tracked files differ."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks")
    return head + (" + uncommitted changes in src/ or benchmarks/" if dirty else "")


def step_rows(quick: bool) -> list[dict]:
    """bench_step.py's rows (each size in its own process)."""
    out = ROOT / "out" / "performance" / "bench_step.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(HERE / "bench_step.py"), "--json", str(out),
                    *(["--quick"] if quick else [])], check=True, cwd=ROOT)
    return json.loads(out.read_text())


def run_memory(n: int) -> float:
    """Peak RSS / n of a fresh process running gs.run for three steps at n citizens."""
    done = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(n)], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])["peak_bytes"] / n


def fixed_cost(quick: bool) -> dict[str, float]:
    """bench_ensemble.py's fit of CPU per step: fixed ms and ns per citizen."""
    spec = importlib.util.spec_from_file_location("bench_ensemble", HERE / "bench_ensemble.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    line = module.fit(module.FIT_SIZES, quick)
    return {"fixed_ms": line["fixed_s"] * 1e3, "per_citizen_ns": line["per_citizen_s"] * 1e9}


def number(x: float, digits: int = 0) -> str:
    """x with a thin-space-free thousands separator as the docs write it (1 000 000)."""
    return f"{x:,.{digits}f}".replace(",", " ")


def fmt(x: float | None) -> str:
    """Two significant figures for small numbers, whole numbers above 100."""
    if x is None:
        return "-"
    if x >= 100:
        return number(x)
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"


def tables(rows: list[dict], memory: tuple[int, float], fit: dict[str, float],
           when: str, where: str, loads: tuple[str, str]) -> tuple[str, str]:
    """(the docs' block, the README's paragraph) in Markdown."""
    head = ("| citizens N | ms / step | ns / agent-step | bytes / citizen (peak RSS / N) | "
            "marginal bytes / citizen | floor (ms) | × floor | floor + lines (ms) | "
            "× floor + lines | floor + gather (ms) | × floor + gather | reference ms / step | "
            "× reference |\n|" + "---:|" * 13)
    lines = [head]
    for r in rows:
        lines.append("| " + " | ".join([
            number(r["n"]), fmt(r["ms_per_step"]), fmt(r["ns_per_agent_step"]),
            number(r["bytes_per_citizen"]), number(r["marginal_bytes_per_citizen"]),
            fmt(r["floor_ms"]), fmt(r["ratio_to_floor"]), fmt(r["floor_lines_ms"]),
            fmt(r["ratio_to_floor_lines"]), fmt(r["floor_with_gather_ms"]),
            fmt(r["ratio_to_floor_with_gather"]), fmt(r["reference_ms_per_step"]),
            fmt(r["speedup_over_reference"])]) + " |")
    by_n = {r["n"]: r for r in rows}
    speedup = by_n.get(100_000, {}).get("speedup_over_reference")
    n_mem, bytes_mem = memory

    def met(ok: bool | None) -> str:
        return "-" if ok is None else ("yes" if ok else "no")

    targets = [
        "| target | measured | met? |", "|---|---|---|",
        f"| ≥ {SPEEDUP_TARGET:.0f}× the per-agent reference at 100 000 citizens | "
        f"{fmt(speedup)}× | {met(None if speedup is None else speedup >= SPEEDUP_TARGET)} |",
        f"| ≤ {BYTES_TARGET:.0f} bytes per citizen: a fresh process running `gs.run` for "
        f"three steps at {number(n_mem)} citizens, peak RSS / N | {bytes_mem:.1f} | "
        f"{met(bytes_mem <= BYTES_TARGET)} |",
        f"| fixed cost ≤ {FIXED_MS_TARGET} ms per step (`bench_ensemble.py` fit, CPU time) | "
        f"{fit['fixed_ms']:.3f} ms ({fit['per_citizen_ns']:.0f} ns per citizen) | "
        f"{met(fit['fixed_ms'] <= FIXED_MS_TARGET)} |",
    ]
    backend = rows[-1]["backend"]
    intro = (f"Measured {when} at commit {where} by `benchmarks/performance_tables.py`; "
             f"{backend} path; {platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}, numpy {np.__version__}; memory bandwidth "
             f"{rows[-1]['bandwidth_gb_s']:.0f} GB/s; load average "
             f"(1 / 5 / 15 min) {loads[0]} before, {loads[1]} after.")
    block = "\n".join([intro, "", *lines, "", *targets])
    parts = [f"On {when} (commit {where}) one step took"]
    for n in (10_000, 100_000, 1_000_000):
        if n in by_n:
            parts.append(f"{fmt(by_n[n]['ms_per_step'])} ms at {number(n)} citizens"
                         + (f" ({fmt(by_n[n]['speedup_over_reference'])} times the per-agent "
                            "reference)" if by_n[n]["speedup_over_reference"] else "") + ",")
    summary = (" ".join(parts).rstrip(",") + f"; a fresh process running `gs.run` for three "
               f"steps at {number(n_mem)} citizens peaked at {bytes_mem:.0f} bytes per "
               f"citizen, and a step's fixed cost was {fit['fixed_ms']:.2f} ms of CPU "
               f"(machine load {loads[0]}; `benchmarks/performance_tables.py` writes this "
               "paragraph).")
    return block, summary


def replace_block(path: Path, marks: tuple[str, str], text: str) -> None:
    """Replace what lies between the two marks in ``path`` (both must be there once)."""
    content = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(marks[0]) + r".*?" + re.escape(marks[1]), re.S)
    if len(pattern.findall(content)) != 1:
        raise SystemExit(f"{path}: the marks {marks[0]} ... {marks[1]} must appear once")
    path.write_text(pattern.sub(lambda _: f"{marks[0]}\n{text}\n{marks[1]}", content),
                    encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 000 and 10 000 citizens, memory at 100 000, a short fit")
    parser.add_argument("--memory-citizens", type=int, default=None,
                        help="citizens of the gs.run memory probe (default 1 000 000; "
                             "--quick: 100 000)")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "performance",
                        help="folder of performance_tables.md (default out/performance)")
    parser.add_argument("--update-docs", action="store_true",
                        help="also rewrite the marked blocks of docs/performance.md and README")
    args = parser.parse_args()
    n_mem = args.memory_citizens or (100_000 if args.quick else 1_000_000)
    before = load()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = commit()
    rows = step_rows(args.quick)
    bytes_mem = run_memory(n_mem)
    fit = fixed_cost(args.quick)
    block, summary = tables(rows, (n_mem, bytes_mem), fit, when, where, (before, load()))
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "performance_tables.md"
    target.write_text(f"# Performance tables\n\n{block}\n\n{summary}\n", encoding="utf-8")
    print(f"\n{block}\n\n{summary}\n\nwritten: {target}")
    if args.update_docs:
        replace_block(DOC, TABLE_MARKS, block)
        replace_block(README, SUMMARY_MARKS, summary)
        print(f"updated: {DOC.relative_to(ROOT)}, {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
