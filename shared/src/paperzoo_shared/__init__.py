"""paperzoo-shared: the few utilities every paperzoo paper package uses.

Each module is small and importable without torch; torch is imported inside the functions that need it.
``ResultsFile`` and ``mean_std`` load on first use, so ``python -m paperzoo_shared.results`` runs cleanly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from paperzoo_shared.progress import progress, set_progress
from paperzoo_shared.seed import resolve_device, seed_everything

if TYPE_CHECKING:
    from paperzoo_shared.results import ResultsFile, mean_std

__version__ = "0.1.0"

__all__ = [
    "ResultsFile",
    "__version__",
    "mean_std",
    "progress",
    "resolve_device",
    "seed_everything",
    "set_progress",
]


def __getattr__(name: str) -> Any:
    if name in ("ResultsFile", "mean_std"):
        return getattr(importlib.import_module("paperzoo_shared.results"), name)
    raise AttributeError(f"module 'paperzoo_shared' has no attribute {name!r}")
