"""Checks for notebook 03-ipyparallel. None of them needs a running cluster."""

from __future__ import annotations

from typing import Any

from . import Verdict, check_cases, correct, exercise, wrong


def scatter_part(items: list[Any], engine_index: int, n_engines: int) -> list[Any]:
    """The part of ``items`` that ``DirectView.scatter`` gives the ``engine_index``-th engine of
    ``n_engines`` (ipyparallel's own partitioning: contiguous blocks, the first ones one longer)."""
    from ipyparallel.client.map import Map

    return list(Map().getPartition(list(items), engine_index, n_engines))


@exercise("03-scatter", points=1, answers=("engine1_gets",))
def check_scatter(engine1_gets) -> Verdict:
    """Which items does engine 1 hold after ``rc[:].scatter("x", list(range(7)))`` on 2 engines?"""
    if engine1_gets == scatter_part(list(range(7)), 1, 2):
        return correct()
    return wrong("scatter cuts the list into one contiguous block per engine, in engine order; when it does "
                 "not divide evenly, the first blocks get one item more. Write the answer as a list.")


@exercise("03-to-resubmit", points=2, answers=("to_resubmit",))
def check_to_resubmit(to_resubmit) -> Verdict:
    """A function ``to_resubmit(items, statuses)`` -> the items whose task did not finish ``"ok"``."""
    cases = [
        ((["a", "b", "c"], ["ok", "error", "ok"]), ["b"]),
        (([1, 2, 3, 4], ["ok", "ok", "ok", "ok"]), []),
        (([(0, 1), (0, 2), (1, 1)], ["error", "ok", "error"]), [(0, 1), (1, 1)]),
        (([10, 20], ["aborted", "ok"]), [10]),
    ]
    return check_cases(to_resubmit, cases, "keep the items (in their original order) whose status is anything but "
                       "'ok'", recipe="[item for item, status in zip(items, statuses) if status != 'ok']")


@exercise("03-copies", points=1, answers=("copies_pushed", "copies_mapped"))
def check_copies(copies_pushed, copies_mapped) -> Verdict:
    """8 engines on one machine each need the same 1 GB array: how many copies of it are in memory
    when it is pushed to every engine, and when every engine memory-maps the same file?"""
    if copies_pushed != 8:
        return wrong("a push sends the array to each engine, and each engine keeps what it received.")
    if copies_mapped != 1:
        return wrong("memory-mapped pages of one file are shared: the operating system keeps the file's pages "
                     "once (in its page cache) and maps them into every engine that opens it.")
    return correct()
