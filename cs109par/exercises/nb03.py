"""Checks for notebook 03-ipyparallel. None of them needs a running cluster."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from . import Verdict, call, correct, exercise, function_missing, number_type, wrong


def scatter_part(items: list[Any], engine_index: int, n_engines: int) -> list[Any]:
    """The part of ``items`` that ``DirectView.scatter`` gives the ``engine_index``-th engine of
    ``n_engines`` (ipyparallel's own partitioning: contiguous blocks, the first ones one longer).

    >>> [scatter_part(list(range(10)), i, 3) for i in range(3)]
    [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    """
    from ipyparallel.client.map import Map

    return list(Map().getPartition(list(items), engine_index, n_engines))


#: Exercise 1: ``rc[:].scatter("x", list(range(SCATTER_ITEMS)))`` on ``SCATTER_ENGINES`` engines.
SCATTER_ITEMS, SCATTER_ENGINES = 7, 2


@exercise("03-scatter", points=1, answers=("engine1_gets",))
def check_scatter(engine1_gets) -> Verdict:
    """Which items does engine 1 hold after ``rc[:].scatter("x", list(range(7)))`` on 2 engines?"""
    items = list(range(SCATTER_ITEMS))
    recipe = ("7 items on 2 engines: blocks of 4 and 3, the longer one first, in engine order; engine 1 holds the "
              "second block, [4, 5, 6].")
    if isinstance(engine1_gets, (set, frozenset)):
        return wrong("a set has no order, but the blocks do: write engine 1's items as a list, in order.",
                     recipe=recipe, mistake="set")
    if isinstance(engine1_gets, (str, bytes, dict)) or not hasattr(engine1_gets, "__iter__"):
        return wrong(f"write engine 1's items as a list of numbers, not a {type(engine1_gets).__name__}.",
                     recipe=recipe, mistake="wrong-type")
    got = list(engine1_gets)
    if got == scatter_part(items, 1, SCATTER_ENGINES):
        return correct()
    if got == scatter_part(items, 0, SCATTER_ENGINES):
        return wrong("that is engine 0's block: engines count from 0, so engine 1 is the second one.",
                     recipe=recipe, mistake="engine-0")
    if got == items[SCATTER_ITEMS // 2:]:
        return wrong("with 7 items the blocks cannot be equal, and ipyparallel gives the extra item to the *first* "
                     "block, not the last.", recipe=recipe, mistake="remainder-last")
    if got == items[1::SCATTER_ENGINES]:
        return wrong("scatter does not deal the items out like cards (one each, in turn): it cuts the list into one "
                     "contiguous block per engine.", recipe=recipe, mistake="round-robin")
    if sorted(got) == scatter_part(items, 1, SCATTER_ENGINES):
        return wrong("the right items in the wrong order: a block keeps the order of the list.", recipe=recipe,
                     mistake="order")
    if any(not isinstance(x, int) or isinstance(x, bool) for x in got):
        return wrong("the items of list(range(7)) are the whole numbers 0 to 6: write them as numbers.",
                     recipe=recipe, mistake="wrong-type")
    if any(x not in items for x in got):
        return wrong(f"{sorted(set(got) - set(items))} is not in list(range(7)), which holds 0 to 6.",
                     recipe=recipe, mistake="off-by-one")
    return wrong("scatter cuts the list into one contiguous block per engine, in engine order; when it does not "
                 "divide evenly, the first blocks get one item more (section 2).", recipe=recipe)


#: Exercise 2's cases ``((items, statuses), expected)``: repeated items, an order that is not sorted, a status
#: other than "error", and items that are not their own positions, so that shortcuts give different answers.
RESUBMIT_CASES: list[tuple[tuple[list[Any], list[str]], list[Any]]] = [
    ((["c", "a", "b", "a"], ["error", "error", "ok", "error"]), ["c", "a", "a"]),
    (([1, 2, 3, 4], ["ok", "ok", "ok", "ok"]), []),
    (([(0, 1), (0, 2), (1, 1)], ["error", "ok", "error"]), [(0, 1), (1, 1)]),
    (([10, 20, 30], ["ok", "aborted", "error"]), [20, 30]),
    ((["z", "y", "x"], ["error", "error", "ok"]), ["z", "y"]),
]
_RESUBMIT_RECIPE = "return [item for item, status in zip(items, statuses) if status != 'ok']"
#: Wrong ways to pick the items to run again, and the hint that names each.
_RESUBMIT_MISTAKES: list[tuple[str, Callable[[list[Any], list[str]], list[Any]], str]] = [
    ("kept-ok", lambda items, st: [i for i, s in zip(items, st) if s == "ok"],
     "those are the items whose task succeeded: the ones to run again are the others."),
    ("indices", lambda items, st: [j for j, s in enumerate(st) if s != "ok"],
     "those are the positions of the failed tasks: return the items themselves (items[j])."),
    ("only-error", lambda items, st: [i for i, s in zip(items, st) if s == "error"],
     "a task can fail in more ways than 'error' (for example 'aborted'): run again every item whose status is not "
     "'ok'."),
    ("sorted", lambda items, st: sorted(i for i, s in zip(items, st) if s != "ok"),
     "right items, but sorted: keep them in their original order, so each result can go back to its place."),
    ("dropped-repeats", lambda items, st: list(dict.fromkeys(i for i, s in zip(items, st) if s != "ok")),
     "an item that appears twice in the map and failed twice must be run twice: do not drop repeats."),
    ("pairs", lambda items, st: [(i, s) for i, s in zip(items, st) if s != "ok"],
     "return the items alone, not (item, status) pairs."),
    ("statuses", lambda items, st: [s for s in st if s != "ok"],
     "those are the statuses of the failed tasks: return their items."),
]


@exercise("03-to-resubmit", points=2, answers=("to_resubmit",))
def check_to_resubmit(to_resubmit) -> Verdict:
    """A function ``to_resubmit(items, statuses)`` -> the items whose task did not finish ``"ok"``, in order."""
    if (missing := function_missing(to_resubmit, "to_resubmit", _RESUBMIT_RECIPE)) is not None:
        return missing
    got: list[Any] = []
    for (items, statuses), _expected in RESUBMIT_CASES:
        result, problem = call(to_resubmit, list(items), list(statuses))
        if problem is not None:
            hint = problem.hint
            if problem.mistake == "returns-nothing":
                hint = "your function returned nothing (None): hand the list back with `return` (print only shows it)."
            return wrong(hint, recipe=_RESUBMIT_RECIPE, mistake=problem.mistake)
        if isinstance(result, (set, frozenset)):
            return wrong("a set loses the order of the items (and an item that failed twice): return a list.",
                         recipe=_RESUBMIT_RECIPE, mistake="set")
        if isinstance(result, Iterator):
            return wrong(f"your function returns a {type(result).__name__} (an iterator, used up once read): "
                         "return a list.", recipe=_RESUBMIT_RECIPE, mistake="not-a-list")
        if not isinstance(result, (list, tuple)):
            return wrong(f"your function returns a {type(result).__name__}: return a list of items.",
                         recipe=_RESUBMIT_RECIPE, mistake="wrong-type")
        got.append(list(result))
    if got == [expected for _case, expected in RESUBMIT_CASES]:
        return correct()
    for mistake, wrong_way, hint in _RESUBMIT_MISTAKES:
        if got == [wrong_way(*case) for case, _expected in RESUBMIT_CASES]:
            return wrong(hint, recipe=_RESUBMIT_RECIPE, mistake=mistake)
    (items, statuses), returned = next((case, g) for (case, expected), g in zip(RESUBMIT_CASES, got) if g != expected)
    return wrong(f"keep the items, in their original order, whose status is anything but 'ok' (for {items!r} and "
                 f"{statuses!r} it returned {returned!r}).", recipe=_RESUBMIT_RECIPE)


#: Exercise 3: engines on one machine, each needing the same array.
N_ENGINES = 8


@exercise("03-copies", points=1, answers=("copies_pushed", "copies_mapped"))
def check_copies(copies_pushed, copies_mapped) -> Verdict:
    """8 engines on one machine each need the same 1 GB array: how many copies of it do the engines hold in
    memory, together, when it is pushed to every engine, and when every engine memory-maps the same file?"""
    recipe = ("a push gives every engine a private copy (8); memory-mapped pages of one file are kept once by the "
              "operating system and shared by every engine that maps it (1).")
    for name, value in (("copies_pushed", copies_pushed), ("copies_mapped", copies_mapped)):
        if (bad := number_type(value)) is not None:
            return Verdict(False, f"{name}: {bad.hint}", recipe, bad.mistake)
    if copies_pushed == N_ENGINES + 1:
        return wrong("copies_pushed: count the engines' copies only (the client's own array is not asked about).",
                     recipe=recipe, mistake="counted-the-client")
    if copies_pushed == 1:
        return wrong("copies_pushed: a push sends the array to each engine, and each engine keeps what it received "
                     "in its own memory: nothing is shared.", recipe=recipe, mistake="push-shared")
    if copies_pushed != N_ENGINES:
        return wrong("copies_pushed: a push sends the array to each engine, and each engine keeps what it received.",
                     recipe=recipe, mistake="pushed")
    if copies_mapped == N_ENGINES:
        return wrong("copies_mapped: each engine *shows* the array in its memory (its RSS grows), but the pages are "
                     "the same pages of one file, held once by the operating system (USS barely moves: section 5).",
                     recipe=recipe, mistake="mapped-counted-per-engine")
    if copies_mapped == 0:
        return wrong("copies_mapped: to be read, the file's pages must be in memory once (the page cache); what "
                     "memory-mapping saves is the *extra* copies.", recipe=recipe, mistake="mapped-zero")
    if copies_mapped != 1:
        return wrong("copies_mapped: memory-mapped pages of one file are shared: the operating system keeps the "
                     "file's pages once and maps them into every engine that opens it.", recipe=recipe,
                     mistake="mapped")
    return correct()


__all__ = ["scatter_part", "check_scatter", "RESUBMIT_CASES", "check_to_resubmit", "check_copies"]
