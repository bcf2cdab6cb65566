"""The Spark notebooks, unchanged, against a real standalone cluster (a master and two worker JVMs).

`cs109par.spark.session()` takes its master from CS109PAR_SPARK_MASTER, so the notebooks need no
edit: each one runs under nbval (strict, same sanitizer as `make test`) in a subprocess whose
environment points at the cluster (the session's `cluster up`, see conftest.py). Both workers offer
one core each, so the application gets 2 cores, like `local[2]`. Notebook 04 runs by default;
CS109PAR_CLUSTER_NOTEBOOKS="04 05" adds notebook 05 (one cluster serves them all). Only 04 by default, for
the test command's time budget: on the cluster 04 takes 45-90 s and 05 about 55 s.

Where tests/test_multihost.py can simulate other hosts (Linux, root, network namespaces), it runs notebook
04 on a standalone cluster of other "hosts", which covers this; then, unless CS109PAR_CLUSTER_NOTEBOOKS
asks for notebooks explicitly, this loopback run is skipped (it would repeat the same ~50 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cs109par.cluster.standalone import StandaloneCluster
from cs109par.jvm import JavaError, find_java
from cs109par.spark import MASTER_ENV

# Starts daemons, servers or kernels (tens of seconds): left out of `make unit`, run by `make test`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NUMBERS = os.environ.get("CS109PAR_CLUSTER_NOTEBOOKS", "04").replace(",", " ").split()
NOTEBOOKS = sorted(p for n in NUMBERS for p in (ROOT / "notebooks").glob(f"{n}-*.ipynb"))

try:
    find_java()
except JavaError as exc:  # pragma: no cover
    pytest.skip(f"no usable Java: {exc}", allow_module_level=True)

if "CS109PAR_CLUSTER_NOTEBOOKS" not in os.environ:
    from test_multihost import namespace_support  # tests/ is on sys.path for test modules

    if namespace_support() is None:
        pytest.skip("notebook 04 runs on a cluster of simulated hosts in tests/test_multihost.py instead "
                    "(set CS109PAR_CLUSTER_NOTEBOOKS=04 to run it on a loopback cluster too)", allow_module_level=True)


@pytest.fixture(scope="module")
def cluster(cli_cluster):
    state, _ = cli_cluster
    return StandaloneCluster.from_state(state)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_standalone_cluster(cluster, notebook):
    env = dict(os.environ, **{MASTER_ENV: cluster.master_url})
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval-sanitize.cfg"), str(notebook)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, f"{notebook.name} failed against {cluster.master_url}:\n{proc.stdout[-6000:]}"
    # the notebook's application ran on the cluster and is gone again (the master learns it within seconds)
    deadline = time.time() + 60
    while cluster.status()["apps"] and time.time() < deadline:
        time.sleep(0.5)
    assert cluster.status()["apps"] == []
    assert len(cluster.alive_workers()) == 2
