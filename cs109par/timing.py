"""Measure, don't claim: timing, speedup, Amdahl's law and the standard plots.

>>> from cs109par import timing
>>> with timing.Timer() as t:
...     _ = sum(range(1000))
>>> t.seconds >= 0
True
>>> rows = timing.scaling(lambda n: sum(range(10_000 // n)), workers=[1, 2])
>>> timing.report(rows)                                                   # doctest: +ELLIPSIS
1 worker : ... ms  speedup 1.00x  efficiency 100%
2 workers: ... ms  speedup ...x  efficiency ...%

Printed numbers always come with a unit (``s``, ``x``, ``%``, ``MB/s``), which is how the
notebook tests' sanitizer recognises and masks them: timings vary from run to run, the
structure of the output does not. A count that varies from run to run without a unit (how many
tasks Spark re-ran, a crossover size) is printed through :func:`this_run`, which marks it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple


class Timer:
    """Wall-clock timer for a ``with`` block; ``.seconds`` holds the elapsed time."""

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        self.seconds = float("nan")
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def measure(fn: Callable[..., Any], *args: Any, repeat: int = 1, **kwargs: Any) -> tuple[float, Any]:
    """Run ``fn(*args, **kwargs)`` ``repeat`` times; return ``(best seconds, last result)``.

    >>> seconds, result = measure(sum, [1, 2, 3])
    >>> result
    6
    """
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        with Timer() as t:
            result = fn(*args, **kwargs)
        best = min(best, t.seconds)
    return best, result


class Run(NamedTuple):
    """One measured configuration: ``Run(workers, seconds, speedup, label="")``."""

    workers: int
    seconds: float
    speedup: float
    label: str = ""

    @property
    def efficiency(self) -> float:
        return self.speedup / self.workers


def scaling(fn: Callable[[int], Any], workers: Iterable[int] = (1, 2), repeat: int = 1, label: str = "") -> list[Run]:
    """Time ``fn(n)`` for each worker count ``n``; speedups are relative to the first count."""
    runs: list[Run] = []
    base = None
    for n in workers:
        seconds, _ = measure(fn, n, repeat=repeat)
        base = seconds if base is None else base
        runs.append(Run(workers=n, seconds=seconds, speedup=base / seconds, label=label))
    return runs


def fmt_seconds(seconds: float) -> str:
    """``1.234`` -> ``'1.23 s'``; ``0.0123`` -> ``'12.3 ms'``.

    >>> fmt_seconds(1.234), fmt_seconds(0.0123)
    ('1.23 s', '12.3 ms')
    """
    return f"{seconds * 1000:.3g} ms" if seconds < 0.1 else f"{seconds:.3g} s"


def report(runs: Sequence[Run]) -> None:
    """Print one line per run: time, speedup and efficiency."""
    width = max(len(f"{r.workers} workers") for r in runs)
    for r in runs:
        name = f"{r.workers} worker" + ("s" if r.workers != 1 else "")
        print(f"{name:<{width}}: {fmt_seconds(r.seconds)}  speedup {r.speedup:.2f}x  efficiency {r.efficiency:.0%}")


def serial_fraction(speedup: float, workers: int) -> float:
    """Amdahl's law solved for the serial fraction ``s`` given a measured speedup on ``workers``.

    speedup = 1 / (s + (1 - s) / n)   =>   s = (n / speedup - 1) / (n - 1)

    >>> round(serial_fraction(2.0, 2), 3), round(serial_fraction(1.6, 2), 3)
    (0.0, 0.25)
    """
    if workers < 2:
        raise ValueError("the serial fraction needs a measurement with 2 or more workers")
    return (workers / speedup - 1) / (workers - 1)


def amdahl(serial: float, workers: float) -> float:
    """Amdahl's law: the best speedup on ``workers`` when a fraction ``serial`` cannot be parallelized.

    >>> amdahl(0.0, 8), round(amdahl(0.1, 8), 2)
    (8.0, 4.71)
    """
    return 1.0 / (serial + (1.0 - serial) / workers)


#: A speedup below this, where the lesson expects a clear one, is more likely a busy machine than the method.
LOW_SPEEDUP = 1.2
#: Load per core above which the machine counts as busy. A notebook's own parallel cells keep every core
#: busy (load about 1 per core, measured while the course's notebooks run): only more than that is others.
BUSY_LOAD = 1.5


def load_per_core() -> float:
    """The 1-minute load average divided by the number of cores (0.0 where the OS has no load average)."""
    import os

    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except (AttributeError, OSError):  # Windows
        return 0.0


def busy_cores(seconds: float = 1.0) -> float:
    """How many cores other programs keep busy: the machine's CPU use sampled for ``seconds`` while this
    process sleeps (unlike the load average, it does not remember the last minute's own work).

    >>> 0.0 <= busy_cores(0.1) <= (__import__("os").cpu_count() or 1)
    True
    """
    import os

    import psutil

    return psutil.cpu_percent(interval=seconds) / 100 * (os.cpu_count() or 1)


def busy_note(speedup: float | None = None, expected: float = LOW_SPEEDUP, load: float | None = None) -> str:
    """One line saying the machine was busy, when it was (load above :data:`BUSY_LOAD` per core, or a measured
    ``speedup`` below ``expected`` where the lesson expects more); ``""`` otherwise. ``load`` (per core)
    defaults to this machine's :func:`load_per_core`.

    >>> busy_note(speedup=1.8, load=0.3)
    ''
    >>> busy_note(speedup=0.84, load=0.3).startswith("Note: this speedup is lower")
    True
    >>> busy_note(load=2.5).startswith("Note: the machine is busy")
    True
    """
    load = load_per_core() if load is None else load
    if load <= BUSY_LOAD and (speedup is None or speedup >= expected):
        return ""
    busy = load > BUSY_LOAD
    why = f"the machine is busy (load {load:.1f} per core)" if busy else "this speedup is lower than expected"
    return (f"Note: {why}: other programs share the cores, so parallel runs gain less than they could. "
            "Close other programs and run this cell again; the text below describes a quiet machine.")


def warn_if_busy(speedup: float | None = None, expected: float = LOW_SPEEDUP) -> None:
    """Print :func:`busy_note`'s line, if there is one (every cell that measures a speedup calls this)."""
    note = busy_note(speedup, expected)
    if note:
        print(note)


def announce(what: str, seconds: float) -> None:
    """Say what a slow cell is doing and about how long it takes, before it starts: no silent waits.

    >>> announce("starting Spark", 10)
    starting Spark (about 10 s) ...
    """
    print(f"{what} (about {seconds:.0f} s) ...", flush=True)


def this_run(value: float, unit: str = "") -> str:
    """A number that changes from run to run, marked as such for the reader and for the notebook
    tests' sanitizer (which masks whatever stands before "(this run)"). Infinity reads "never".

    >>> this_run(27, "task attempts"), this_run(1234.4, "items"), this_run(float("inf"), "items")
    ('27 task attempts (this run)', '1,234 items (this run)', 'never (this run)')
    """
    if value == float("inf"):
        return "never (this run)"
    return f"{value:,.0f}{' ' + unit if unit else ''} (this run)"


def throughput_mb_s(nbytes: int, seconds: float) -> float:
    """Megabytes (10^6 bytes) per second."""
    return nbytes / 1e6 / seconds


def plot_speedup(runs: Sequence[Run], ax=None, title: str = "Speedup", amdahl_curve: bool = True):
    """Measured speedup against worker count, with the ideal line and (optionally) Amdahl's curve
    fitted to the largest measured worker count. Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    n = np.array([r.workers for r in runs])
    s = np.array([r.speedup for r in runs])
    ax.plot(n, n, "--", color="grey", label="ideal (linear)")
    ax.plot(n, s, "o-", lw=2, label="measured")
    if amdahl_curve and n.max() >= 2:
        frac = serial_fraction(s[-1], int(n[-1]))
        grid = np.linspace(1, n.max(), 50)
        ax.plot(grid, [amdahl(frac, g) for g in grid], ":", label="Amdahl fit")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup (x)")
    ax.set_xticks(n)
    ax.set_title(title)
    ax.legend(frameon=False)
    return ax


def plot_bars(labels: Sequence[str], values: Sequence[float], ax=None, ylabel: str = "seconds", title: str = ""):
    """A labelled bar chart (times, throughputs, bytes) with the value above each bar."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(max(4, 1.3 * len(labels)), 3.5))
    bars = ax.bar(labels, values, color=plt.rcParams["axes.prop_cycle"].by_key()["color"][: len(labels)])
    ax.bar_label(bars, fmt="%.3g", padding=2)
    ax.set_ylim(top=max(max(values, default=0.0), 0.0) * 1.18 or None)  # room for the labels inside the frame
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


__all__ = [
    "Timer",
    "measure",
    "Run",
    "scaling",
    "fmt_seconds",
    "report",
    "serial_fraction",
    "amdahl",
    "this_run",
    "LOW_SPEEDUP",
    "BUSY_LOAD",
    "load_per_core",
    "busy_note",
    "warn_if_busy",
    "announce",
    "throughput_mb_s",
    "plot_speedup",
    "plot_bars",
]
