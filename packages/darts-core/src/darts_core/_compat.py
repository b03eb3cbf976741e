"""Optional helpers: the shared progress bar when ``paperzoo_shared`` (and tqdm) import, else a plain iterator,
so the core modules import with torch alone (the GPU test machine has only torch, numpy and pytest)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def progress(iterable: Iterable[Any], **kwargs: Any) -> Iterable[Any]:
    """``paperzoo_shared.progress`` (tqdm, quiet off-TTY) when available, else ``iterable`` unchanged."""
    try:
        from paperzoo_shared import progress as _progress
    except ImportError:
        return iterable
    return _progress(iterable, **kwargs)
