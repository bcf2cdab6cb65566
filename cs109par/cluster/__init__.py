"""Clusters on this machine: ipyparallel engines and a Spark standalone cluster.

One module per job:

* :mod:`cs109par.cluster.engines`    — ipyparallel engines (notebooks 03, 07);
* :mod:`cs109par.cluster.standalone` — a Spark standalone master + workers (notebook 06);
* :mod:`cs109par.cluster.faults`     — killing a worker mid-job, at the same point every run;
* :mod:`cs109par.cluster.processes`  — marking, finding and stopping a cluster's processes, and the
  watchdog that stops them when their owner dies;
* :mod:`cs109par.cluster.cli`        — ``python -m cs109par cluster up|status|down``.
"""
