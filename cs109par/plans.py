"""What a DataFrame query will do: the operators of its physical plan, without the volatile parts.

``df.explain()`` prints the plan Spark's optimizer (Catalyst) chose, with expression ids such as
``word#12`` that change on every run; :func:`plan_steps` keeps the operator names
(``HashAggregate``, ``Exchange``, ``Project``, ...), which do not, so notebook 07 can show that the
DataFrame API and SQL give the same plan.

>>> words = spark.createDataFrame([("a",), ("b",), ("a",)], ["word"])
>>> plan_steps(words.groupBy("word").count())      # aggregate per partition, shuffle, aggregate again
['HashAggregate', 'Exchange', 'HashAggregate', 'Scan']
"""

from __future__ import annotations

import contextlib
import io
import re


def plan_steps(df) -> list[str]:
    """The operators of a DataFrame's physical plan, top to bottom, without the volatile parts.

    ``df.explain()`` prints expression ids such as ``word#12`` that change on every run; the
    operator names (``HashAggregate``, ``Exchange``, ``Project``, ...) do not.
    """
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        df.explain()
    lines = buf.getvalue().splitlines()
    # With adaptive execution, a query that has run shows its final plan (shaped by what the run
    # measured) above the initial one: keep the initial plan, the same before and after running.
    for i, line in enumerate(lines):
        if "== Initial Plan ==" in line:
            lines = lines[i + 1 :]
            break
    steps = []
    for line in lines:
        m = re.match(r"^[\s+\-:*|]*(\*\(\d+\)\s*)?([A-Z][A-Za-z]+)", line)
        if m and not line.lstrip().startswith("==") and m.group(2) != "AdaptiveSparkPlan":
            steps.append(m.group(2))
    return steps


__all__ = ["plan_steps"]
