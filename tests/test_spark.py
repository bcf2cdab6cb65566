"""cs109par.spark.session(): local, quiet, loopback-only, and clear when Java is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

from cs109par import data
from cs109par.spark import MASTER_ENV, resolve_master

SESSION_SNIPPET = "from cs109par.spark import session; session()"


def test_animals_word_count_matches_the_lecture(spark):
    sc = spark.sparkContext
    counts = sc.parallelize(data.ANIMALS, 3).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b).collect()
    assert sorted(counts) == [("cat", 2), ("elephant", 1), ("rat", 2)]


def test_master_comes_from_argument_then_environment_then_local(monkeypatch):
    monkeypatch.delenv(MASTER_ENV, raising=False)
    assert resolve_master() == "local[*]"
    monkeypatch.setenv(MASTER_ENV, "spark://127.0.0.1:7077")
    assert resolve_master() == "spark://127.0.0.1:7077"
    assert resolve_master("local[2]") == "local[2]"


def test_session_binds_driver_and_ui_to_loopback_only(spark):
    assert spark.sparkContext.uiWebUrl.startswith("http://127.0.0.1:")
    jvms = [c for c in psutil.Process().children(recursive=True) if "java" in c.name()]
    assert jvms, "the Spark JVM should be a child of this process"
    listening = [c for j in jvms for c in j.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening
    assert {c.laddr.ip for c in listening} <= {"127.0.0.1", "::ffff:127.0.0.1"}, listening


def test_driver_jvm_really_runs_with_the_course_jvm_options(spark):
    # Asked of the running JVM itself, not of the configuration we passed.
    from cs109par.spark import JVM_OPTIONS

    args = list(spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert set(JVM_OPTIONS.split()) <= set(args), args


def test_session_keeps_jvm_output_out_of_the_notebook():
    # The launcher's warnings and log4j lines go to the log file, not to our stdout/stderr.
    code = SESSION_SNIPPET + ".stop()"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == "", (proc.stdout, proc.stderr)


def test_session_raises_a_clear_java_error_promptly_when_java_is_missing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", SESSION_SNIPPET], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert time.perf_counter() - start < 30
    assert "cs109par.jvm.JavaError: No Java found" in proc.stderr
    assert "Java 17 or 21" in proc.stderr
    assert "JAVA_GATEWAY_EXITED" not in proc.stderr and "Py4J" not in proc.stderr


def test_session_raises_a_clear_java_error_when_java_home_is_too_old(tmp_path):
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    (home / "bin" / "java").chmod(0o755)
    env = dict(os.environ, JAVA_HOME=str(home))
    proc = subprocess.run([sys.executable, "-c", SESSION_SNIPPET], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "JavaError: Java 11.0.2" in proc.stderr and "too old" in proc.stderr


def test_session_refuses_a_foreign_spark_home_with_the_doctors_message(tmp_path):
    env = dict(os.environ, SPARK_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", SESSION_SNIPPET], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "cs109par.jvm.SparkEnvError: SPARK_HOME=" in proc.stderr and "unset SPARK_HOME" in proc.stderr
    assert "JAVA_GATEWAY_EXITED" not in proc.stderr


# -- where the driver listens (issue 19): one rule, cs109par.jvm.driver_address, a pure function of the master
# URL, the environment and the route to the master (passed in here, so no network is needed)


def _no_route(host, port):
    raise AssertionError(f"a local master must not look up a route (asked for {host}:{port})")


def test_driver_stays_on_loopback_for_local_masters_whatever_the_environment():
    from cs109par.jvm import driver_address

    env = {"CS109PAR_DRIVER_HOST": "10.0.0.7"}  # the override is for masters on other machines only
    for master in ("local", "local[*]", "local[2]", "local-cluster[2,1,1024]"):
        assert driver_address(master, env, route=_no_route).address == "127.0.0.1"


def test_driver_stays_on_loopback_for_a_standalone_master_on_loopback():
    from cs109par.jvm import driver_address

    env = {"CS109PAR_DRIVER_HOST": "10.0.0.7"}
    for master in ("spark://127.0.0.1:7077", "spark://127.0.0.2:40123", "spark://localhost:7077", "spark://[::1]:7077"):
        found = driver_address(master, env, route=_no_route)
        assert found.address == "127.0.0.1" and found.loopback, (master, found)
        assert "loopback" in found.reason


def test_driver_listens_on_the_address_that_routes_to_a_master_on_another_network():
    from cs109par.jvm import driver_address

    asked = []

    def route(host, port):
        asked.append((host, port))
        return "192.168.1.20"

    found = driver_address("spark://10.1.2.3:7077", {}, route=route)
    assert asked == [("10.1.2.3", 7077)]
    assert found.address == "192.168.1.20" and not found.loopback
    assert found.reason == "this machine's address on the route to the master's host 10.1.2.3"
    # the first master of a high-availability list; the default port when the URL has none
    driver_address("spark://10.1.2.3:7077,10.1.2.4:7077", {}, route=route)
    driver_address("spark://master.example.org", {}, route=route)
    assert asked[1:] == [("10.1.2.3", 7077), ("master.example.org", 7077)]


def test_cs109par_driver_host_wins_for_a_master_on_another_machine():
    from cs109par.jvm import driver_address

    found = driver_address("spark://10.1.2.3:7077", {"CS109PAR_DRIVER_HOST": "172.16.0.9"}, route=_no_route)
    assert found == ("172.16.0.9", "set by CS109PAR_DRIVER_HOST")


def test_a_master_host_that_resolves_to_loopback_keeps_the_driver_on_loopback():
    from cs109par.jvm import driver_address

    found = driver_address("spark://myhost:7077", {}, route=lambda host, port: "127.0.1.1")
    assert found.address == "127.0.0.1"


def test_yarn_and_kubernetes_drivers_listen_where_the_cluster_can_reach_them():
    from cs109par.jvm import driver_address

    def route(host, port):
        return {"api.example.org": "10.5.0.4", "127.0.0.1": "127.0.0.1"}.get(host, "192.0.2.55")  # else: default route

    yarn = driver_address("yarn", {}, route=route)
    assert yarn.address == "192.0.2.55" and "YARN" in yarn.reason and "CS109PAR_DRIVER_HOST" in yarn.reason
    assert driver_address("yarn", {"CS109PAR_DRIVER_HOST": "10.9.9.9"}, route=route).address == "10.9.9.9"
    assert driver_address("k8s://https://api.example.org:6443", {}, route=route).address == "10.5.0.4"
    # an API server on this machine (minikube, kind): its pods are not on this machine's loopback
    local_api = driver_address("k8s://https://127.0.0.1:6443", {}, route=route)
    assert local_api.address == "192.0.2.55" and "pods" in local_api.reason


def test_a_master_host_that_does_not_resolve_is_a_clear_error():
    import socket

    import pytest

    from cs109par.jvm import SparkEnvError, driver_address

    def route(host, port):
        raise socket.gaierror(-2, "Name or service not known")

    with pytest.raises(SparkEnvError, match="(?s)Cannot find a route .* 'no-such-host'.*Check the master URL"):
        driver_address("spark://no-such-host:7077", {}, route=route)


def test_the_real_route_to_another_network_is_this_machines_own_address():
    import socket

    import pytest

    from cs109par.jvm import driver_address, route_source

    try:
        expected = route_source("10.255.255.1", 7077)  # any address that is not this machine's
    except OSError:
        pytest.skip("this machine has no route off itself")
    found = driver_address("spark://10.255.255.1:7077", {})
    assert found.address == expected and not found.loopback
    with socket.socket() as s:
        s.bind((found.address, 0))  # an address of this machine: the driver can listen on it


def test_executor_timeout_comes_from_the_environment_with_a_clear_error():
    import pytest

    from cs109par.jvm import EXECUTOR_TIMEOUT, SparkEnvError, executor_timeout

    assert executor_timeout({}) == EXECUTOR_TIMEOUT == 60
    assert executor_timeout({"CS109PAR_EXECUTOR_TIMEOUT": "0"}) == 0
    with pytest.raises(SparkEnvError, match="CS109PAR_EXECUTOR_TIMEOUT='soon' is not a number of seconds"):
        executor_timeout({"CS109PAR_EXECUTOR_TIMEOUT": "soon"})


def test_session_says_at_once_when_a_standalone_master_does_not_answer():
    # a free port on loopback: nothing listens, so the master "is down"; no JVM starts, no waiting
    from cs109par.cluster.processes import free_port

    code = f"from cs109par.spark import session; session(master='spark://127.0.0.1:{free_port()}')"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and time.perf_counter() - start < 30
    assert "SparkStartError: Cannot connect to the Spark master spark://127.0.0.1:" in proc.stderr
    assert "Check the master URL" in proc.stderr


def test_no_executor_message_names_the_cause_the_log_shows():
    from cs109par.jvm import DriverAddress
    from cs109par.spark import no_executor_message

    driver = DriverAddress("10.0.0.7", "this machine's address on the route to the master's host 10.0.0.5")
    lost = "Granted executor ID app-1/0 on hostPort 10.0.0.6:7078\nExecutor app-1/0 removed: Command exited with code 1"
    text = no_executor_message("spark://10.0.0.5:7077", driver, 60, lost, False, {})
    assert "within 60 s: the master started 1 executor(s) and 1 exited before registering" in text
    assert text.splitlines()[1].startswith("  - the executors cannot connect back to the driver at 10.0.0.7")
    assert "the master URL is wrong" not in text  # the master did start executors: its URL is right
    nothing = no_executor_message("spark://10.0.0.5:7077", driver, 60, "", False, {"spark.executor.memory": "8g"})
    assert "no executor was started" in nothing
    assert nothing.splitlines()[1].startswith("  - no worker has the cores and memory the application asks for "
                                              "(spark.executor.memory=8g)")
    assert "the master URL is wrong" in nothing and "CS109PAR_DRIVER_HOST" in nothing


def test_doctor_reports_the_master_the_driver_address_and_why(monkeypatch):
    from cs109par.cluster.processes import free_port
    from cs109par.doctor import check_spark_network

    monkeypatch.delenv(MASTER_ENV, raising=False)
    local = check_spark_network()
    assert local.ok and local.line() == ("[ok     ] Spark network: master local[*]; driver on 127.0.0.1 (local master: "
                                         "executors run inside this machine; loopback only)")
    down = check_spark_network(f"spark://127.0.0.1:{free_port()}")
    assert not down.ok and "driver on 127.0.0.1 (the master is on this machine's loopback" in down.detail
    assert "the master's port does not answer" in down.detail and "CS109PAR_SPARK_MASTER" in down.fix
