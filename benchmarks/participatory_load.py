"""Load test of the participatory classroom: simulated phones on loopback, with httpx.

Starts ``governance-sim classroom --participatory`` in a subprocess on a free loopback port,
joins N phones (each an ``httpx.AsyncClient`` with its own cookie, as a phone has), and
plays R rounds as a class would: every phone waits for the next round with the page's long
poll (``GET /api/me?since=``), answers it (``POST /api/answer``), and waits again; the
teacher's client waits until every phone has answered, then presses *next*
(``POST /api/teacher``). Measured:

* the time from the teacher's *next* (just before the request is sent) to each phone
  receiving the new round's view (median and 95th percentile over phones x rounds), and
  per round to the *last* phone (median and 95th percentile over rounds); and the part of
  it until the server sent the view (its ``X-Sent-At`` header, the same machine's clock);
* the server's memory (resident set size of its process: after start, after the joins,
  at the end);
* the bytes a phone downloads to join: the page, the join answer and its first view.

The phones run in this process on the same machine as the server, so they compete with it
for the cores: the numbers are an upper bound for a class on real phones.

Usage::

    python benchmarks/participatory_load.py                  # 60 phones, 10 rounds
    python benchmarks/participatory_load.py --students 20 --rounds 3 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, max_students: int, log: Path) -> tuple[subprocess.Popen, str, str]:
    """The classroom in a subprocess; returns (process, join code, teacher key)."""
    argv = [sys.executable, "-m", "governance_sim.cli", "classroom", "--participatory",
            "--port", str(port), "--max-students", str(max_students)]
    out = log.open("w")
    process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text()
        code, key = re.search(r"join code (\w+)", text), re.search(r"key=([\w-]+)", text)
        if code and key:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200:
                    return process, code.group(1), key.group(1)
            except httpx.HTTPError:
                pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the classroom did not start:\n{log.read_text()}")


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def play(base: str, code: str, key: str, students: int, rounds: int,
               server: psutil.Process) -> dict[str, Any]:
    """Join the phones, play the rounds; returns the measurements."""
    limits = httpx.Limits(max_connections=4)
    timeout = httpx.Timeout(60.0)
    phones = [httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout)
              for _ in range(students)]
    board = httpx.AsyncClient(base_url=base, timeout=timeout)
    memory = {"after_start_mb": server.memory_info().rss / 2**20}
    join_bytes = []
    views: list[dict[str, Any]] = []
    for phone in phones:
        page = await phone.get("/")
        joined = await phone.post("/api/join", json={"code": code})
        joined.raise_for_status()
        first = await phone.get("/api/me")
        join_bytes.append(len(page.content) + len(joined.content) + len(first.content))
        views.append(first.json())
    memory["after_joins_mb"] = server.memory_info().rss / 2**20
    await board.get("/teacher", params={"key": key})
    seen: dict[int, list[float]] = {r: [] for r in range(2, rounds + 2)}
    sent: dict[int, list[float]] = {r: [] for r in range(2, rounds + 2)}  # server's clock
    answered_rounds = [0] * students

    async def phone_loop(k: int) -> None:
        phone, view = phones[k], views[k]
        while True:
            if view["phase"] == "open" and answered_rounds[k] < view["round"]:
                answer = await phone.post("/api/answer", json={"round": view["round"],
                                                               "choices": view["defaults"]})
                if answer.status_code == 200:
                    answered_rounds[k] = view["round"]
            if view["phase"] == "debrief":
                return
            reply = await phone.get("/api/me", params={"since": view["stage"]})
            got = time.perf_counter()
            new = reply.json()
            if new["round"] != view["round"] and new["round"] in seen:
                seen[new["round"]].append(got)
                sent[new["round"]].append(float(reply.headers["X-Sent-At"]))
            view = new

    started = (await board.post("/api/teacher", json={"action": "start"})).json()
    assert started["round"] == 1
    for k in range(students):
        views[k] = (await phones[k].get("/api/me")).json()
    tasks = [asyncio.create_task(phone_loop(k)) for k in range(students)]
    pressed: dict[int, float] = {}
    pressed_wall: dict[int, float] = {}
    for round_no in range(1, rounds + 1):
        state = (await board.get("/api/teacher")).json()
        while state["answered"] < students:
            state = (await board.get("/api/teacher", params={"since": state["version"]})).json()
        pressed[round_no + 1] = time.perf_counter()
        pressed_wall[round_no + 1] = time.time()
        reply = await board.post("/api/teacher", json={"action": "next"})
        reply.raise_for_status()
        while len(seen[round_no + 1]) < students:
            await asyncio.sleep(0.01)
    await board.post("/api/teacher", json={"action": "end"})
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    memory["at_end_mb"] = server.memory_info().rss / 2**20
    for client in [*phones, board]:
        await client.aclose()
    each = [t - pressed[r] for r, times in seen.items() for t in times]
    last = [max(times) - pressed[r] for r, times in seen.items()]
    server = [t - pressed_wall[r] for r, times in sent.items() for t in times]
    server_last = [max(times) - pressed_wall[r] for r, times in sent.items()]
    return {
        "students": students, "rounds": rounds,
        "latency_each_median_s": statistics.median(each),
        "latency_each_p95_s": percentile(each, 0.95),
        "latency_all_median_s": statistics.median(last),
        "latency_all_p95_s": percentile(last, 0.95),
        "latency_max_s": max(each),
        "server_sent_median_s": statistics.median(server),
        "server_sent_p95_s": percentile(server, 0.95),
        "server_sent_all_median_s": statistics.median(server_last),
        "server_sent_all_p95_s": percentile(server_last, 0.95),
        "join_bytes": max(join_bytes),
        **{k: round(v, 1) for k, v in memory.items()},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the load test and print (and optionally write) its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    args = parser.parse_args(argv)
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"participatory_load_{port}.log"
    process, code, key = start_server(port, max(60, args.students), log)
    try:
        result = asyncio.run(play(f"http://127.0.0.1:{port}", code, key, args.students,
                                  args.rounds, psutil.Process(process.pid)))
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
    result["cpus"] = os.cpu_count()
    result["load_average_1min"] = round(os.getloadavg()[0], 1)
    print(f"{result['students']} phones, {result['rounds']} rounds on loopback "
          f"({result['cpus']} cpus, load average {result['load_average_1min']})")
    print(f"next -> a phone has the new round: median {1000 * result['latency_each_median_s']:.0f}"
          f" ms, p95 {1000 * result['latency_each_p95_s']:.0f} ms, max "
          f"{1000 * result['latency_max_s']:.0f} ms")
    print(f"next -> every phone has it:        median {1000 * result['latency_all_median_s']:.0f}"
          f" ms, p95 {1000 * result['latency_all_p95_s']:.0f} ms")
    print(f"next -> the server sent a phone its round: median "
          f"{1000 * result['server_sent_median_s']:.0f} ms, p95 "
          f"{1000 * result['server_sent_p95_s']:.0f} ms; sent to every phone: median "
          f"{1000 * result['server_sent_all_median_s']:.0f} ms, p95 "
          f"{1000 * result['server_sent_all_p95_s']:.0f} ms")
    print(f"server memory (RSS): {result['after_start_mb']} MB at start, "
          f"{result['after_joins_mb']} MB after the joins, {result['at_end_mb']} MB at the end")
    print(f"bytes a phone downloads to join: {result['join_bytes']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
