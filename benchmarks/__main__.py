"""Run every benchmark module (`benchmarks/bench_*.py`, each with a `run() -> list[dict]`) and report.

Each result is a dict: ``name``, ``value``, ``unit``; its target, if it has one, is in
``benchmarks/targets.py``. Results are printed with the target and whether it was met, and written to
``benchmarks/results/latest.json`` together with the machine they were measured on and how busy it was
(the 1-minute load average before and after each benchmark): a ratio measured on a busy machine says
more about the machine than about the code.

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

HERE = Path(__file__).resolve().parent
#: Load per core above which a measurement is flagged as taken on a busy machine.
BUSY = 0.5


def load() -> float:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return 0.0


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    cpus = os.cpu_count() or 1
    results, missed, busy = [], [], []
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        before = load()
        if before / cpus > BUSY:
            busy.append(name)
            print(f"WARNING: load average {before:.2f} on {cpus} cores before `{name}`: the machine is busy, "
                  "its ratios will be low. Measure on a quiet machine (`uptime`).", flush=True)
        print(f"== {name} (load {before:.2f})", flush=True)
        for r in module.run():
            ok = met(r["name"], r["value"])
            verdict = ""
            if ok is not None:
                op, target = TARGETS[r["name"]]
                verdict = f"  (target {op} {target:g}: {'met' if ok else 'NOT met'})"
                if not ok:
                    missed.append(r["name"])
            results.append(dict(r, benchmark=name, target=TARGETS.get(r["name"]), met=ok, load_before=before))
            print(f"  {r['name']}: {r['value']:.3g} {r['unit']}{verdict}", flush=True)
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    machine = {"cpus": cpus, "python": platform.python_version(), "system": platform.platform(),
               "when": time.strftime("%Y-%m-%d %H:%M:%S"), "load_at_end": load(), "busy_during": busy}
    out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(HERE.parent)}")
    checked = sum(r["met"] is not None for r in results)
    print(f"targets met: {checked - len(missed)} of {checked}" + (f"; NOT met: {', '.join(missed)}" if missed else ""))
    if busy:
        print(f"(measured on a busy machine during: {', '.join(busy)}; run again when `uptime` shows a low load)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
