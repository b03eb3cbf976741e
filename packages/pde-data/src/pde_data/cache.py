"""The on-disk cache of generated datasets: where it lives, the key of a setting, and atomic writes.

A cached file is ``cache_dir() / "<dataset>-<key>.npz"`` where ``key`` is the sha1 of every setting that shapes the
data *and the package version*: a fixed or changed generator in a new release never serves data cached by an older
one. Files are written to a temporary name in the same folder, flushed to disk (``fsync``) and moved into place with
``os.replace``, so a reader (or a second process generating the same setting) never sees a half-written file. An
entry that is unreadable anyway (copied in part, damaged on disk) is reported with its path and regenerated.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ENV_VAR = "PDE_DATA_CACHE"


def cache_dir() -> Path:
    """Where generated datasets are cached: ``$PDE_DATA_CACHE`` when set, else the user cache folder of the
    platform (``platformdirs.user_cache_path("pde-data")``: ``$XDG_CACHE_HOME/pde-data`` or
    ``~/.cache/pde-data`` on Linux, ``~/Library/Caches/pde-data`` on macOS). Nothing is written inside the package."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_cache_path("pde-data", appauthor=False)


def settings_key(settings: dict[str, Any]) -> str:
    """sha1 of the canonical JSON of ``settings`` (dataset, config, seed, range, dtype, format and package version)."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` (``os.replace``), on failure it is
    removed and ``path`` stays as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a unique name (not mkstemp, whose 0600 mode would stick to the result); the writer creates the file
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp{suffix}")
    try:
        yield tmp
        _fsync(tmp)  # the data reach the disk before the new name points at them
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)  # writable: Windows' fsync (_commit) needs a handle opened for writing
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Best effort: make the rename itself durable (POSIX; folders cannot be opened on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
