"""Students kill kernels (a crash, the OOM killer, a forced restart of a hung kernel: SIGKILL). Whatever
the kernel had started must go with it: ipyparallel engines (notebook 03), a Spark session (04) and a
Spark standalone cluster (06) — within 10 s, with no `atexit` handler ever running."""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import psutil
import pytest

from cs109par.cluster import processes
from cs109par.jvm import JavaError, find_java

# Starts daemons, servers or kernels (tens of seconds): left out of `make unit`, run by `make test`.
pytestmark = pytest.mark.slow

try:
    find_java()
except JavaError as exc:  # pragma: no cover
    pytest.skip(f"no usable Java: {exc}", allow_module_level=True)

# What a student's kernel does in notebooks 03, 04 and 06, without stopping any of it.
START_EVERYTHING = """
import json, os, psutil
from cs109par.cluster import engines, standalone
from cs109par.spark import session

ipp = engines.start(2)
spark = session("kernel-death", master="local[1]")
jvms = [p.pid for p in psutil.Process().children(recursive=True) if "java" in p.name()]
cluster = standalone.StandaloneCluster(workers=1, cores=1).start()
print(json.dumps({"engines": ipp.id, "standalone": cluster.id, "spark_jvms": jvms,
                  "engine_pids": [p.pid for p in ipp.processes()], "engine_profile": ipp.cluster.profile_dir}))
"""


def _run(kc, code: str, timeout: float = 300) -> str:
    """Execute ``code`` in the kernel; return what it printed (raise on an error)."""
    msg_id = kc.execute(code)
    out = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            raise AssertionError("the kernel raised:\n" + "\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out)


def _alive(pids: list[int]) -> list[int]:
    left = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.append(pid)
        except psutil.NoSuchProcess:
            pass
    return left


def test_engines_spark_and_a_standalone_cluster_die_with_a_sigkilled_kernel():
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=NATIVE_KERNEL_NAME)
    km.kernel_spec.argv[0] = sys.executable  # this venv's Python, whatever kernelspecs the machine has
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        printed = _run(kc, START_EVERYTHING)
        started = json.loads(printed.strip().splitlines()[-1])
        assert processes.marked(started["engines"]), "the engines should be running before the kill"
        assert processes.marked(started["standalone"]), "the cluster should be running before the kill"
        assert _alive(started["spark_jvms"]), "the Spark driver JVM should be running before the kill"

        os.kill(km.provisioner.process.pid, signal.SIGKILL)
        killed_at = time.time()
        left: list = []
        while time.time() - killed_at < 10:
            left = (processes.marked(started["engines"]) + processes.marked(started["standalone"])
                    + _alive(started["spark_jvms"]))
            if os.path.exists(started["engine_profile"]):  # the engines' logs and connection files go too
                left.append(started["engine_profile"])
            if not left:
                break
            time.sleep(0.25)
        print(f"everything gone {time.time() - killed_at:.1f} s after the kill")
        assert not left, f"still running 10 s after the kernel died: {left}"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
