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
