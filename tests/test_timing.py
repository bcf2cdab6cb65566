"""Timing helpers: speedup arithmetic and Amdahl's law."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from cs109par import timing


def test_scaling_reports_speedup_relative_to_the_first_worker_count():
    calls = []
    runs = timing.scaling(lambda n: calls.append(n) or __import__("time").sleep(0.01 / n), workers=[1, 2, 4])
    assert calls == [1, 2, 4] and [r.workers for r in runs] == [1, 2, 4]
    assert runs[0].speedup == 1.0
    for r in runs[1:]:
        assert r.speedup == pytest.approx(runs[0].seconds / r.seconds)
        assert r.efficiency == pytest.approx(r.speedup / r.workers)


def test_serial_fraction_inverts_amdahls_law():
    for frac in (0.0, 0.1, 0.5):
        assert timing.serial_fraction(timing.amdahl(frac, 4), 4) == pytest.approx(frac)


def test_serial_fraction_needs_two_or_more_workers():
    with pytest.raises(ValueError):
        timing.serial_fraction(1.0, 1)


def test_report_prints_units_the_notebook_sanitizer_masks(capsys):
    timing.report([timing.Run(1, 2.0, 1.0), timing.Run(2, 1.1, 1.82)])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1 worker ") and "2 s" in out[0] and "1.00x" in out[0]
    assert "1.82x" in out[1] and "91%" in out[1]


def test_plot_speedup_draws_measured_ideal_and_amdahl_lines():
    ax = timing.plot_speedup([timing.Run(1, 2.0, 1.0), timing.Run(2, 1.2, 1.67)])
    assert [line.get_label() for line in ax.get_lines()] == ["ideal (linear)", "measured", "Amdahl fit"]
