"""A fresh kernel for one submission, treated as untrusted, and everything it starts stopped at the end.

What a :class:`Sandbox` gives each submission:

* a **fresh kernel** (this environment's Python) whose working folder, ``HOME`` and ``TMPDIR`` are a
  new temporary folder of its own;
* a **clean environment** built from an allow-list (:data:`PASS_THROUGH`): none of the instructor's
  other variables (tokens, credentials, ``CS109PAR_SPARK_MASTER``) reach the student's code;
* a **memory limit** per process (``RLIMIT_DATA``, set by a small wrapper before the kernel starts
  and inherited by everything it starts), and a cap on the size of a file it writes;
* **timeouts**: a cell that runs too long is interrupted (``KeyboardInterrupt``); a kernel that does
  not even answer that is stopped;
* a **marker** (:data:`MARKER`, unique per submission) in the environment, inherited by whatever the
  kernel starts (Spark's JVM, pool workers, engines, clusters and their watchdogs): :meth:`Sandbox.close`
  shuts the kernel down, then stops every process carrying the marker, and the kernel's own children.

Why ``RLIMIT_DATA`` and not ``RLIMIT_AS``: the JVM *reserves* address space for its whole maximum heap
(a quarter of the machine's memory) and more at start, so an address-space limit has to grow with the
machine's RAM before Spark even starts (measured: ``RLIMIT_AS`` below 4 GiB stops `java -version` on a
24 GiB machine). ``RLIMIT_DATA`` counts memory a process really makes writable: Spark starts and runs a
job under 1 GiB, and a Python cell that allocates more than the limit gets a ``MemoryError``.

This is a fence against accidents and runaway code (loops, memory, leftover JVMs), not a security
boundary: the kernel runs as the grader's user. Grade in a container or a throwaway account.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cluster.processes import stop

#: Environment variable carrying one submission's id, inherited by every process its kernel starts.
MARKER = "CS109PAR_GRADE_ID"
#: The only variables of the grader's environment a kernel gets. CS109PAR_TEST_RUN is the course's test
#: suite's own marker (no secret): with it, the suite's leftover check sees the kernels too.
PASS_THROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "JAVA_HOME", "CS109PAR_DATA", "CS109PAR_TEST_RUN")
#: Default memory limit per process (GiB): the notebooks' largest cell (Counter over 50 MB) stays well under.
MEMORY_GIB = 4.0
#: Largest file a submission may write (bytes).
FILE_LIMIT = 2 * 2**30
#: Seconds a kernel gets to start; after an interrupt, to return to idle; to shut down before it is killed.
START_TIMEOUT, INTERRUPT_GRACE, SHUTDOWN_GRACE = 60.0, 5.0, 3.0
#: How often a wait looks at whether the kernel is still alive (seconds).
POLL = 0.2

# Runs before the kernel: set the limits, then become the kernel (same pid). No braces: jupyter_client
# fills {connection_file}-style fields in a kernel's command line.
_WRAPPER = (
    "import os, sys\n"
    "try:\n"
    "    import resource\n"
    "    for name, value in (('RLIMIT_DATA', sys.argv[1]), ('RLIMIT_FSIZE', sys.argv[2])):\n"
    "        limit = int(value)\n"
    "        resource.setrlimit(getattr(resource, name), (limit, limit))\n"
    "except (ImportError, ValueError, OSError) as exc:\n"
    "    print('cs109par grade: no resource limits here:', exc, file=sys.stderr)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


def kernel_environment(folder: Path, marker: str) -> dict[str, str]:
    """The whole environment of a submission's kernel: the allow-list, this Python first on ``PATH``, the
    package importable, ``HOME``/``TMPDIR`` in ``folder``, and the marker.

    >>> env = kernel_environment(Path("/tmp/x"), "m-1")
    >>> env["HOME"], env[MARKER], "USER" in env
    ('/tmp/x', 'm-1', False)
    """
    env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
    python_bin = str(Path(sys.executable).parent)
    path = env.get("PATH", os.defpath)
    if python_bin not in path.split(os.pathsep):
        path = python_bin + os.pathsep + path
    env.update({
        "PATH": path,
        "HOME": str(folder),
        "TMPDIR": str(folder / "tmp"),
        # the same cs109par (the same checkers) as the grader's, whatever the install
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        MARKER: marker,
    })
    return env


@dataclass
class Outcome:
    """How one execution ended: ``ok``, ``error`` (it raised), ``timeout`` (interrupted, the kernel goes
    on), ``hung`` (it did not answer the interrupt either: stopped), ``died`` (the kernel process ended)."""

    status: str
    message: str = ""
    expressions: dict = field(default_factory=dict)


def _seconds(s: float) -> str:
    return f"{s:g} s"


class Sandbox:
    """One submission's kernel (see the module doc). Use as a context manager, or call :meth:`close`."""

    def __init__(self, folder: Path, marker: str, memory_gib: float = MEMORY_GIB) -> None:
        self.folder, self.marker = folder, marker
        self.memory = int(memory_gib * 2**30)
        self.km: Any = None
        self.kc: Any = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, timeout: float = START_TIMEOUT) -> None:
        from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
        from jupyter_client.manager import KernelManager

        (self.folder / "tmp").mkdir(parents=True, exist_ok=True)
        self.km = KernelManager(kernel_name=NATIVE_KERNEL_NAME)
        self.km.shutdown_wait_time = SHUTDOWN_GRACE
        self.km.kernel_spec.argv = [sys.executable, "-c", _WRAPPER, str(self.memory), str(FILE_LIMIT),
                                    sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        self.km.kernel_spec.env = {}
        log = open(self.folder / "kernel.log", "ab")  # the kernel's own stderr (warnings, crashes)
        with log:
            self.km.start_kernel(cwd=str(self.folder), env=kernel_environment(self.folder, self.marker),
                                 stdout=log, stderr=log)
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=timeout)

    def run(self, code: str, timeout: float, user_expressions: dict[str, str] | None = None) -> Outcome:
        """Execute ``code`` (a cell; or, with ``user_expressions``, a silent evaluation) within ``timeout``."""
        silent = user_expressions is not None
        msg_id = self.kc.execute(code, silent=silent, store_history=not silent, user_expressions=user_expressions,
                                 allow_stdin=False, stop_on_error=False)
        deadline, interrupted = time.monotonic() + timeout, False
        while True:
            self._drain_iopub()
            try:
                reply = self.kc.get_shell_msg(timeout=POLL)
            except queue.Empty:
                if not self.km.is_alive():
                    return Outcome("died", self.death())
                if time.monotonic() > deadline:
                    if interrupted:
                        return Outcome("hung", f"ran longer than {_seconds(timeout)} and did not stop when "
                                               "interrupted, so its kernel was stopped")
                    self.km.interrupt_kernel()
                    interrupted, deadline = True, time.monotonic() + INTERRUPT_GRACE
                continue
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            content = reply["content"]
            if interrupted:
                return Outcome("timeout", f"ran longer than {_seconds(timeout)} and was interrupted")
            if content.get("status") == "error":
                return Outcome("error", f"raised {content.get('ename')}: {_first_line(content.get('evalue', ''))}")
            return Outcome("ok", expressions=content.get("user_expressions") or {})

    def _drain_iopub(self) -> None:
        # Outputs are not needed (the verdicts come from the checkers), but must not pile up.
        with contextlib.suppress(queue.Empty):
            while self.kc.iopub_channel.msg_ready():
                self.kc.get_iopub_msg(timeout=0)

    def death(self) -> str:
        """Why the kernel process ended, as far as its exit status tells."""
        code = None
        with contextlib.suppress(Exception):
            code = self.km.provisioner.process.poll()
        if code is not None and code < 0:
            return (f"killed the kernel (signal {-code}"
                    + (": os.kill, or the system ran out of memory)" if -code == 9 else ")"))
        return f"ended the kernel (exit code {code}: os._exit, exit() or a crash)" if code is not None \
            else "ended the kernel"

    def processes(self) -> list[Any]:
        """Every live process of this submission: carrying its marker, or a descendant of its kernel."""
        import psutil

        found: dict[int, Any] = {}
        with contextlib.suppress(Exception):
            kernel = psutil.Process(self.km.provisioner.process.pid)
            found.update({p.pid: p for p in [kernel, *kernel.children(recursive=True)]})
        found.update({p.pid: p for p in marked(self.marker)})
        return [p for pid, p in found.items() if pid != os.getpid()]

    def close(self) -> list[int]:
        """Shut the kernel down and stop everything the submission started; the pids of the processes other than
        the kernel that were still running (a Spark JVM, pool workers, engines...)."""
        left = self.processes() if self.km is not None else []
        kernel = None
        with contextlib.suppress(Exception):
            kernel = self.km.provisioner.process.pid
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        if self.km is not None:
            with contextlib.suppress(Exception):
                self.km.shutdown_kernel(now=not self.km.is_alive())
            with contextlib.suppress(Exception):
                self.km.cleanup_resources()
        stop(left + marked(self.marker), grace=SHUTDOWN_GRACE)
        return sorted({p.pid for p in left} - {kernel})


def marked(prefix: str) -> list[Any]:
    """Every live process whose :data:`MARKER` starts with ``prefix`` (a submission's id, or a batch's; ``""``:
    every process of any grading)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid"]):
        with contextlib.suppress(psutil.Error, OSError):
            value = proc.environ().get(MARKER)
            if value is not None and value.startswith(prefix) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


def _first_line(text: str, limit: int = 200) -> str:
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


__all__ = ["MARKER", "PASS_THROUGH", "MEMORY_GIB", "kernel_environment", "Outcome", "Sandbox", "marked"]
