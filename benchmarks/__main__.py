"""Run every benchmark module (`benchmarks/bench_*.py`, each with a `run() -> list[dict]`) and report.

Each result is a dict: ``name``, ``value``, ``unit``; its target, if it has one, is in
``benchmarks/targets.py``. Results are printed with the target and whether it was met, and written to
``benchmarks/results/latest.json`` together with the machine they were measured on and how busy it was
before each benchmark: a ratio measured on a busy machine says more about the machine than about the code.

How busy is measured: the share of the cores that other programs used during one second while this
process waited (the 1-minute load average is recorded too, but it still counts the previous benchmark's
own work for a minute after it ended, so it is not what decides).

    python -m benchmarks                 # all
    python -m benchmarks wordcount       # only bench_wordcount.py
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.targets import TARGETS, met
from cs109par import timing

HERE = Path(__file__).resolve().parent
#: Cores in use by other programs (sampled for a second before each benchmark) above which a measurement is
#: flagged as taken on a busy machine.
BUSY = 0.25


def load() -> float:
    """The 1-minute load average (0.0 where the OS has none)."""
    return timing.load_per_core() * (os.cpu_count() or 1)


def record(result: dict, benchmark: str, busy: float, load_before: float) -> dict:
    """One result as written to latest.json: the measurement, its target (``target`` a number and
    ``target_op`` ">=" or "<="; both None without one), whether it was met, and the conditions."""
    op, target = TARGETS.get(result["name"], (None, None))
    return dict(result, benchmark=benchmark, target=target, target_op=op, met=met(result["name"], result["value"]),
                busy_cores_before=round(busy, 2), load_before=load_before)


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    cpus = os.cpu_count() or 1
    results, missed, busy_during = [], [], []
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        busy = timing.busy_cores()
        before = load()
        if busy > BUSY:
            busy_during.append(name)
            print(f"WARNING: other programs kept {busy:.1f} of {cpus} cores busy before `{name}`: its ratios will be "
                  "low. Measure on a quiet machine (close other programs; `top` shows what runs).", flush=True)
        print(f"== {name} (other programs: {busy:.2f} of {cpus} cores busy; load average {before:.2f})", flush=True)
        for r in module.run():
            row = record(r, name, busy, before)
            verdict = ""
            if row["met"] is not None:
                verdict = f"  (target {row['target_op']} {row['target']:g}: {'met' if row['met'] else 'NOT met'})"
                if not row["met"]:
                    missed.append(r["name"])
            results.append(row)
            print(f"  {r['name']}: {r['value']:.3g} {r['unit']}{verdict}", flush=True)
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    machine = {"cpus": cpus, "python": platform.python_version(), "system": platform.platform(),
               "when": time.strftime("%Y-%m-%d %H:%M:%S"), "load_at_end": load(), "busy_during": busy_during}
    out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(HERE.parent)}")
    checked = sum(r["met"] is not None for r in results)
    print(f"targets met: {checked - len(missed)} of {checked}" + (f"; NOT met: {', '.join(missed)}" if missed else ""))
    if busy_during:
        print(f"(measured on a busy machine during: {', '.join(busy_during)}; run again on a quiet machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
