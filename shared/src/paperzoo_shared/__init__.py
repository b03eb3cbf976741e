"""paperzoo-shared: what the paperzoo reproductions need at run time, and nothing a library user needs.

Paper packages depend on it only through their ``reproduce`` extra. Modules: ``runner`` (the command line of
every ``<dist>-reproduce``), ``results`` (the one results schema), ``bench`` (timing and ratio tables),
``data`` (offline datasets), ``progress``, ``seed``, ``testing`` (pytest markers). torch is imported inside the
functions that need it.
"""

from __future__ import annotations

from paperzoo_shared.progress import progress, set_progress
from paperzoo_shared.results import Results, mean_std
from paperzoo_shared.seed import resolve_device, seed_everything

__version__ = "0.2.0"

__all__ = [
    "Results",
    "__version__",
    "mean_std",
    "progress",
    "resolve_device",
    "seed_everything",
    "set_progress",
]
