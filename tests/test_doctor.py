"""The doctor catches every Java problem before Spark's JAVA_GATEWAY_EXITED can."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cs109par import doctor, jvm


def run_doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cs109par", "doctor", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def env_without_java(tmp_path: Path) -> dict[str, str]:
    """The current environment with JAVA_HOME unset and a PATH on which there is no java."""
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path / "empty-bin")
    (tmp_path / "empty-bin").mkdir(exist_ok=True)
    return env


def fake_java_home(tmp_path: Path, version_line: str) -> Path:
    """A JAVA_HOME whose bin/java prints ``version_line`` like `java -version` does (on stderr)."""
    home = tmp_path / "fake-jdk"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\necho 'OpenJDK Runtime Environment' >&2\n")
    java.chmod(0o755)
    return home


def test_doctor_passes_on_a_machine_with_java_17_or_21():
    # --no-spark: starting a real session is notebook 00's first cell, which nbval runs in every test run
    proc = run_doctor(dict(os.environ), "--no-spark")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed" in proc.stdout
    assert "[ok     ] Java" in proc.stdout and "Spark session" not in proc.stdout


def test_doctor_fails_with_install_instructions_when_no_java_anywhere(tmp_path):
    proc = run_doctor(env_without_java(tmp_path), "--no-spark")
    assert proc.returncode == 1
    assert "[PROBLEM] Java: No Java found" in proc.stdout
    assert "Java 17 or 21" in proc.stdout
    fixes = ("apt-get install openjdk-17", "brew install openjdk@17", "winget install",
             "conda install -c conda-forge openjdk=17")
    for fix in fixes:
        assert fix in proc.stdout


def test_doctor_fails_when_java_home_points_at_a_missing_folder(tmp_path):
    env = dict(os.environ, JAVA_HOME=str(tmp_path / "no-such-jdk"))
    proc = run_doctor(env)
    assert proc.returncode == 1
    assert "JAVA_HOME is set to" in proc.stdout and "not a folder" in proc.stdout
    assert "Spark session: not tried" in proc.stdout


def test_doctor_fails_when_java_home_has_no_bin_java(tmp_path):
    (tmp_path / "jdk").mkdir()
    proc = run_doctor(dict(os.environ, JAVA_HOME=str(tmp_path / "jdk")), "--no-spark")
    assert proc.returncode == 1
    assert "bin/java does not exist" in proc.stdout


@pytest.mark.parametrize(
    "version_line, shown",
    [('openjdk version "11.0.22" 2024-01-16', "11.0.22"), ('java version "1.8.0_392"', "1.8.0_392")],
)
def test_doctor_names_a_too_old_java_and_the_versions_it_needs(tmp_path, version_line, shown):
    home = fake_java_home(tmp_path, version_line)
    proc = run_doctor(dict(os.environ, JAVA_HOME=str(home)), "--no-spark")
    assert proc.returncode == 1
    assert f"Java {shown}" in proc.stdout and "too old" in proc.stdout and "Java 17 or 21" in proc.stdout


def test_find_java_rejects_a_java_newer_than_pyspark_supports(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(fake_java_home(tmp_path, 'openjdk version "25" 2025-09-16')))
    with pytest.raises(jvm.JavaError, match="newer than PySpark 4 supports"):
        jvm.find_java()


def test_find_java_reports_a_java_that_does_not_run(tmp_path, monkeypatch):
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\necho 'Unable to locate a Java Runtime.' >&2\nexit 1\n")
    (home / "bin" / "java").chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(home))
    with pytest.raises(jvm.JavaError, match="is not a working Java: Unable to locate a Java Runtime"):
        jvm.find_java()


def test_find_java_finds_the_machines_java_with_a_supported_major_version():
    info = jvm.find_java()
    assert info.major in jvm.SUPPORTED_JAVA
    assert Path(info.executable).exists()


@pytest.mark.parametrize("version, major",
                         [("1.8.0_392", 8), ("11.0.2", 11), ("17.0.15", 17), ("21", 21), ("21-ea", 21)])
def test_java_major_version_parses_old_and_new_numbering(version, major):
    assert jvm.java_major(version) == major


def test_spark_environment_check_flags_a_foreign_spark_home(monkeypatch, tmp_path):
    monkeypatch.setenv("SPARK_HOME", str(tmp_path))
    result = doctor.check_spark_env()
    assert not result.ok and "SPARK_HOME" in result.detail and "unset SPARK_HOME" in result.fix


# -- Windows, simulated: nothing here runs Windows, so the rules are tested on a platform name and an
#    environment we pass in (the README says what is and is not tested there).
def test_windows_checks_are_silent_elsewhere():
    assert doctor.check_windows(system="Linux") is None and doctor.check_windows(system="Darwin") is None


def test_windows_without_hadoop_home_recommends_wsl_first_then_winutils(tmp_path):
    python = tmp_path / "python.exe"
    python.write_text("")
    check = doctor.check_windows(system="Windows", environ={"PYSPARK_PYTHON": str(python)})
    assert check is not None and not check.ok
    assert "HADOOP_HOME is not set" in check.detail
    assert check.fix.index("WSL 2") < check.fix.index("winutils.exe")
    assert "setx HADOOP_HOME" in check.fix


def test_windows_hadoop_home_without_winutils_is_named(tmp_path):
    (tmp_path / "hadoop" / "bin").mkdir(parents=True)
    python = tmp_path / "python.exe"
    python.write_text("")
    env = {"HADOOP_HOME": str(tmp_path / "hadoop"), "PYSPARK_PYTHON": str(python)}
    check = doctor.check_windows(system="Windows", environ=env)
    assert not check.ok and "has no bin" in check.detail and "winutils.exe" in check.detail


def test_windows_store_python_alias_is_the_worker_failed_to_connect_back_cause(tmp_path):
    (tmp_path / "hadoop" / "bin").mkdir(parents=True)
    (tmp_path / "hadoop" / "bin" / "winutils.exe").write_text("")
    store = r"C:\Users\ann\AppData\Local\Microsoft\WindowsApps\python.exe"
    check = doctor.check_windows(system="Windows", environ={"HADOOP_HOME": str(tmp_path / "hadoop"),
                                                           "PYSPARK_PYTHON": store})
    assert not check.ok and "Python worker failed to connect back" in check.detail
    assert "venv" in check.fix and "Firewall" in check.fix


def test_windows_set_up_right_passes(tmp_path):
    (tmp_path / "hadoop" / "bin").mkdir(parents=True)
    (tmp_path / "hadoop" / "bin" / "winutils.exe").write_text("")
    python = tmp_path / "python.exe"
    python.write_text("")
    check = doctor.check_windows(system="Windows", environ={"HADOOP_HOME": str(tmp_path / "hadoop"),
                                                           "PYSPARK_PYTHON": str(python)})
    assert check.ok, check.line()


def test_spark_environment_rules_are_the_same_for_doctor_session_and_cluster(monkeypatch, tmp_path):
    from cs109par import jvm
    from cs109par.cluster.standalone import StandaloneCluster

    monkeypatch.setenv("SPARK_HOME", str(tmp_path))
    doctor_says = doctor.check_spark_env()
    with pytest.raises(jvm.SparkEnvError) as from_rules:
        jvm.require_clean_spark_env()
    with pytest.raises(jvm.SparkEnvError) as from_cluster:
        StandaloneCluster(workers=1, state_dir=str(tmp_path / "state")).start()
    assert doctor_says.detail in str(from_rules.value) and str(from_rules.value) == str(from_cluster.value)
    assert "unset SPARK_HOME" in doctor_says.fix and "unset SPARK_HOME" in str(from_cluster.value)


def test_a_pyspark_python_that_does_not_exist_is_a_problem(monkeypatch):
    monkeypatch.setenv("PYSPARK_PYTHON", "/no/such/python3")
    check = doctor.check_spark_env()
    assert not check.ok and "PYSPARK_PYTHON" in check.detail and "unset PYSPARK_PYTHON" in check.fix
