"""Run every benchmark module (`benchmarks/bench_*.py`, each with a `run() -> list[dict]`) and report.

Each result is a dict: ``name``, ``value``, ``unit`` and optionally ``target`` (the ratio the course aims
for). Results are printed and written to ``benchmarks/results/latest.json`` together with the machine they
were measured on.

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

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    results, missed = [], 0
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name}", flush=True)
        for r in module.run():
            results.append(dict(r, benchmark=name))
            target = r.get("target")
            met = target is not None and r["value"] >= target
            verdict = "" if target is None else f"  (target >= {target:g}: {'met' if met else 'NOT met'})"
            missed += target is not None and r["value"] < target
            print(f"  {r['name']}: {r['value']:.3g} {r['unit']}{verdict}", flush=True)
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform(),
               "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(HERE.parent)}; {missed} target(s) not met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
