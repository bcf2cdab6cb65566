"""Execute the course notebooks headless, in place, the way they are committed.

    python -m cs109par execute                      # every notebook in notebooks/
    python -m cs109par execute notebooks/04-*.ipynb

Each notebook runs in its own folder with this Python's kernel; per-cell timing metadata is
not recorded, so a re-run changes only outputs that really changed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def course_notebooks() -> list[Path]:
    """The numbered course notebooks, in order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))


def execute(path: Path, timeout: int = 600) -> float:
    """Execute one notebook in place; return the seconds it took. Raises on a failing cell."""
    import nbformat
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=NATIVE_KERNEL_NAME,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # Use this interpreter's kernel, whatever kernelspecs the user has installed elsewhere.
    client.km = client.kernel_manager_class(kernel_name=NATIVE_KERNEL_NAME)
    spec = client.km.kernel_spec
    if spec is None:
        raise RuntimeError(f"no {NATIVE_KERNEL_NAME!r} kernel here: `pip install ipykernel` in this environment")
    spec.argv[0] = sys.executable
    start = time.perf_counter()
    client.execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(paths: list[str]) -> int:
    targets = [Path(p) for p in paths] or course_notebooks()
    failed = 0
    for path in targets:
        print(f"executing {path} ...", flush=True)
        try:
            seconds = execute(path)
        except Exception as exc:  # report and go on with the next notebook
            failed += 1
            print(f"  FAILED: {type(exc).__name__}: {str(exc)[-2000:]}", flush=True)
        else:
            print(f"  done in {seconds:.1f} s", flush=True)
    return 1 if failed else 0
