"""ipyparallel engines with real processes: start on loopback, run grid-search tasks, lose an engine
to SIGKILL and recover, stop without leaving anything behind.

Each engine start costs several seconds, so one 2-engine cluster serves most tests (module fixture,
the kill test runs last on it) and only two more start-ups test the failure paths of starting and
the context manager.
"""

from __future__ import annotations

import io
from pathlib import Path

import psutil
import pytest

from cs109par import data
from cs109par import gridsearch as gs
from cs109par.cluster import engines as eng

# Starts ipyparallel controllers and engines (seconds each): left out of `make unit`, run by `make test`.
pytestmark = pytest.mark.slow

SMALL_GRID = {"C": [10], "gamma": [1e-4, 1e-3]}  # 2 parameter sets x 5 folds = 10 quick tasks


def ipp_descendants() -> set[int]:
    """pids of this process's ipyparallel descendants (controllers, schedulers, engines, nannies)."""
    found = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if "ipyparallel" in " ".join(proc.cmdline()) and proc.status() != psutil.STATUS_ZOMBIE:
                found.add(proc.pid)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.fixture(scope="module")
def cluster():
    c = eng.start(n=2, timeout=90)
    yield c
    c.stop()


@pytest.fixture(scope="module")
def grid_tasks(tmp_path_factory):
    X, y = data.digits()
    paths = [str(p) for p in gs.dump_splits(X, y, tmp_path_factory.mktemp("splits"))]
    todo = gs.tasks(gs.param_list(SMALL_GRID), paths)
    expected = [gs.run_task(t) for t in todo]
    return todo, expected


def test_controller_and_engines_listen_on_loopback_only(cluster):
    assert cluster.ids == [0, 1]
    roles = sorted(p.cmdline()[2] for p in cluster.processes())
    assert roles.count("ipyparallel.engine") == 2 and "ipyparallel.controller" in roles
    # every listening socket of every cluster process, checked with psutil
    listening = []
    for proc in cluster.processes():
        listening += [c.laddr.ip for c in proc.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening, "the controller should listen somewhere"
    assert set(listening) == {"127.0.0.1"}
    assert {ip for ip, _ in cluster.listening_addresses()} == {"127.0.0.1"}


def test_the_cluster_keeps_its_files_where_jupyterlab_does_not_adopt_it(cluster):
    """ipyparallel's JupyterLab extension loads every cluster file it finds in the IPython profiles and, when that
    cluster stops, logs each process's output (engine shutdown tracebacks) into the `make lab` terminal: ours
    keeps its cluster file, logs and connection files in a private folder, removed when it stops."""
    from ipyparallel.cluster.cluster import ClusterManager
    from IPython.paths import get_ipython_dir

    private = Path(cluster.cluster.profile_dir)
    assert list((private / "security").glob("cluster-*.json")), "no cluster file in the private folder"
    assert Path(get_ipython_dir()).resolve() not in private.resolve().parents
    seen = ClusterManager().load_clusters()  # what the JupyterLab extension finds
    assert all(c.cluster_id != cluster.cluster.cluster_id for c in seen.values())


def test_engines_run_memmapped_grid_search_tasks_like_the_client(cluster, grid_tasks):
    todo, expected = grid_tasks
    ar = cluster.client.load_balanced_view().map_async(gs.run_task, todo)
    out = io.StringIO()
    eng.wait_with_progress(ar, steps=2, timeout=120, file=out)
    assert out.getvalue() == " 5/10 tasks done\n10/10 tasks done\n"
    assert ar.get() == expected
    assert eng.failed_indices(ar) == []


def test_direct_view_push_scatter_and_apply(cluster):
    dview = cluster.client[:]
    dview.block = True
    dview.scatter("part", list(range(7)))
    assert cluster.client[1].pull("part", block=True) == [4, 5, 6]
    assert dview.apply(eng.square, 3) == [9, 9]
    assert sorted(cluster.pids()) == [0, 1]
    assert {w["pid"] for w in dview.apply(eng.whoami)} == set(cluster.pids().values())


def test_paths_are_cheap_to_send_and_memory_is_measured(cluster, grid_tasks):
    todo, _ = grid_tasks
    X, y = data.digits()
    with_arrays = gs.tasks(gs.param_list(SMALL_GRID), gs.cv_splits(y))
    assert eng.message_bytes(gs.run_task, todo[0]) < 5_000
    assert eng.message_bytes(gs.run_task, with_arrays[0], X, y) > X.nbytes
    mem = eng.memory(cluster.pids())
    assert sorted(mem) == [0, 1]
    assert all(0 < m["uss"] <= m["rss"] for m in mem.values())


def test_killing_an_engine_mid_map_loses_one_task_which_resubmitting_recovers(cluster, grid_tasks):
    todo, expected = grid_tasks
    client = cluster.client
    victim = cluster.pids()[1]
    ar = client.load_balanced_view().map_async(gs.run_task, todo)
    assert cluster.kill(1) == victim
    assert not psutil.pid_exists(victim) or psutil.Process(victim).status() == psutil.STATUS_ZOMBIE
    assert client.ids == [0]
    ar.wait(120)
    lost = eng.failed_indices(ar)
    assert len(lost) == 1, "the engine was killed while running exactly one task"
    with pytest.raises(Exception, match="died while running task"):
        ar.get()
    recovered = eng.resubmit_failed(client.load_balanced_view(), gs.run_task, todo, ar, timeout=120)
    assert recovered == expected
    params = gs.param_list(SMALL_GRID)
    assert gs.best(params, gs.mean_scores(recovered)) == gs.best(params, gs.mean_scores(expected))


def test_stop_leaves_no_process_behind(cluster):
    procs = cluster.processes()
    assert procs, "the surviving engine, its nanny and the controller are still running"
    private = Path(cluster.cluster.profile_dir)
    cluster.stop()
    cluster.stop()  # idempotent
    assert cluster.processes() == []
    assert not private.exists(), "the cluster's private profile folder (logs, connection files) is left behind"
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in procs if psutil.pid_exists(p.pid))
    assert "stopped" in repr(cluster)


def test_context_manager_stops_the_engines_when_the_block_raises():
    before = ipp_descendants()
    with pytest.raises(ZeroDivisionError):
        with eng.engines(n=1, timeout=90) as client:
            assert client.ids == [0]
            assert client.load_balanced_view().map_sync(eng.square, [1, 2, 3]) == [1, 4, 9]
            assert ipp_descendants() - before
            raise ZeroDivisionError("the block fails")
    assert ipp_descendants() - before == set()


def test_engines_that_do_not_come_up_in_time_give_a_clear_error_and_nothing_left():
    before = ipp_descendants()
    with pytest.raises(eng.EnginesError, match=r"only 0 of 2 ipyparallel engines registered within 0.1 s"):
        eng.start(n=2, timeout=0.1)
    assert ipp_descendants() - before == set()


def test_start_rejects_a_bad_engine_count():
    with pytest.raises(ValueError, match="at least 1"):
        eng.start(n=0)
