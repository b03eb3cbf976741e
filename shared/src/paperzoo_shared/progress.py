"""Progress bars that stay quiet where nobody is watching.

``progress`` wraps tqdm and is silent when stderr is not a terminal, on non-zero distributed ranks, and when
switched off with ``set_progress(False)`` (what ``--no-progress`` does).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

_ENABLED = True


def set_progress(enabled: bool) -> None:
    """Switch all paperzoo progress bars on or off for this process."""
    global _ENABLED
    _ENABLED = bool(enabled)


def progress_enabled() -> bool:
    """Whether a bar would be shown now: enabled, on rank 0, and stderr is a terminal."""
    if not _ENABLED:
        return False
    if int(os.environ.get("RANK", "0")) != 0:
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def progress(iterable: Iterable[Any] | None = None, *, disable: bool | None = None, **kwargs: Any) -> Any:
    """``tqdm(iterable, **kwargs)``, disabled unless :func:`progress_enabled` (or ``disable=False``)."""
    from tqdm.auto import tqdm  # tqdm.auto: a widget in notebooks, a bar in terminals

    if disable is None:
        disable = not progress_enabled()
    kwargs.setdefault("dynamic_ncols", True)
    kwargs.setdefault("leave", False)
    return tqdm(iterable, disable=disable, **kwargs)
