"""The course's data: bundled, generated offline, validated.

>>> from cs109par import data
>>> data.ANIMALS
['cat', 'elephant', 'rat', 'rat', 'cat']
>>> path = data.corpus_path()            # the bundled text, ~470 kB of real English
>>> X, y = data.digits()
>>> X.shape
(1797, 64)

``data.generated_corpus(50)`` builds (once) and returns a 50 MB corpus for measurements.

Everything here works offline. Bad input raises :class:`DataError` naming the file and the
problem (missing, a folder, empty, binary, not UTF-8), because a wrong word count is worse than
a crash.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

#: The lecture's toy word-count input.
ANIMALS = ["cat", "elephant", "rat", "rat", "cat"]

DATA_ENV = "CS109PAR_DATA"
SHARED_ENV = "CS109PAR_SHARED_DIR"
CORPUS_NAME = "python-docs.txt"
_MB = 1_000_000


class DataError(ValueError):
    """Input data is missing or unusable; the message names the file and the fix."""


def data_dir() -> Path:
    """The folder with the bundled data (``$CS109PAR_DATA``, else ``data/`` of this checkout)."""
    folder = Path(os.environ.get(DATA_ENV) or Path(__file__).resolve().parent.parent / "data")
    if not folder.is_dir():
        raise DataError(
            f"The course data folder {folder} does not exist. Work from a clone of the course "
            f"(pip install -e .), or set {DATA_ENV} to the folder that holds {CORPUS_NAME}."
        )
    return folder


def generated_dir() -> Path:
    """Where generated (not committed) data goes: ``data/generated/``."""
    folder = data_dir() / "generated"
    folder.mkdir(exist_ok=True)
    return folder


def shared_dir() -> Path:
    """A folder every executor reads and writes at the same path: ``$CS109PAR_SHARED_DIR``, else
    ``data/generated/`` of this checkout.

    Executors on other machines see their own disk: a file the driver writes to its temp folder is not
    there for them, and what they write there (``saveAsTextFile``'s part files) never reaches the driver,
    whose save still reports success. On a real cluster, point ``CS109PAR_SHARED_DIR`` at storage mounted
    at the same path on every machine (NFS and the like), or use ``hdfs://`` / ``s3a://`` paths.

    >>> shared_dir().is_dir()
    True
    """
    folder = Path(os.environ.get(SHARED_ENV) or generated_dir())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shared_tempdir(prefix: str = "cs109par-") -> Path:
    """A new, empty folder inside :func:`shared_dir` (remove it with ``shutil.rmtree`` when done).

    >>> folder = shared_tempdir("doc-"); folder.parent == shared_dir(), list(folder.iterdir())
    (True, [])
    >>> import shutil; shutil.rmtree(folder)
    """
    return Path(tempfile.mkdtemp(prefix=prefix, dir=shared_dir()))


def validate_text_file(path: str | os.PathLike, *, allow_empty: bool = False) -> Path:
    """Check that ``path`` is a readable UTF-8 text file; return it as a :class:`Path`.

    >>> validate_text_file(corpus_path()).name
    'python-docs.txt'

    Raises :class:`DataError` for a missing path, a folder, an empty file (unless
    ``allow_empty``), binary content (NUL bytes) or bytes that are not UTF-8 (with the offset).
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file. Check the path (current folder: {Path.cwd()}).")
    if p.is_dir():
        raise DataError(f"{p}: is a folder, not a text file. Pass one of the files inside it.")
    if not p.is_file():
        raise DataError(f"{p}: is not a regular file.")
    if p.stat().st_size == 0 and not allow_empty:
        raise DataError(f"{p}: is empty. Regenerate it (see cs109par.data.make_corpus) or pick another file.")
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(p, "rb") as fh:
        while chunk := fh.read(1 << 20):
            nul = chunk.find(b"\0")
            if nul >= 0:
                raise DataError(f"{p}: looks binary (a NUL byte at offset {offset + nul}); expected UTF-8 text.")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"{p}: is not UTF-8 (bad byte at offset {offset + exc.start}). Convert it, e.g. "
                    f"`iconv -f latin1 -t utf-8 {p.name} > fixed.txt`."
                ) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise DataError(f"{p}: is not UTF-8 (it ends inside a multi-byte character).") from None
    return p


def read_text(path: str | os.PathLike) -> str:
    """Read a validated UTF-8 text file."""
    return validate_text_file(path, allow_empty=True).read_text(encoding="utf-8")


def corpus_path() -> Path:
    """The bundled corpus: the Python documentation's topic texts (PSF licence, see data/README.md)."""
    return validate_text_file(data_dir() / CORPUS_NAME)


def make_corpus(path: str | os.PathLike, size_mb: float, *, seed: int = 0,
                source: str | os.PathLike | None = None) -> Path:
    """Write a deterministic corpus of at least ``size_mb`` megabytes (10^6 bytes) to ``path``.

    It is made of whole lines of ``source`` (default: the bundled corpus) drawn at random with
    ``seed``, so the same arguments always give the same file, byte for byte.

    >>> p = make_corpus(tmp / "small.txt", 0.1)
    >>> p.stat().st_size >= 100_000
    True
    """
    if size_mb <= 0:
        raise DataError(f"size_mb must be positive, got {size_mb}.")
    src = validate_text_file(source if source is not None else corpus_path())
    lines = [ln for ln in src.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not lines:
        raise DataError(f"{src}: has no non-blank lines to build a corpus from.")
    rng = random.Random(seed)
    target = int(size_mb * _MB)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    written = 0
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        while written < target:
            block = "\n".join(rng.choices(lines, k=2000)) + "\n"
            fh.write(block)
            written += len(block.encode("utf-8"))
    os.replace(tmp, out)  # never leave a half-written corpus under the final name
    return out


def generated_corpus(size_mb: int = 50, *, seed: int = 0) -> Path:
    """A cached generated corpus in ``data/generated/``, built on first use (about a second per 50 MB)."""
    path = generated_dir() / f"corpus-{size_mb}MB-seed{seed}.txt"
    if not path.is_file() or path.stat().st_size < size_mb * _MB:
        make_corpus(path, size_mb, seed=seed)
    return path


def digits():
    """scikit-learn's bundled handwritten digits (1797 images, 64 features): ``(X, y)``."""
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


__all__ = [
    "ANIMALS",
    "DataError",
    "data_dir",
    "generated_dir",
    "shared_dir",
    "shared_tempdir",
    "validate_text_file",
    "read_text",
    "corpus_path",
    "make_corpus",
    "generated_corpus",
    "digits",
]
