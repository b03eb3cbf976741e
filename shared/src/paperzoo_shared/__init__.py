"""paperzoo-shared: the few utilities every paperzoo paper package uses.

Each module is small and importable without torch; torch is imported inside the functions that need it.
"""

from paperzoo_shared.progress import progress, set_progress
from paperzoo_shared.results import ResultsFile, mean_std
from paperzoo_shared.seed import resolve_device, seed_everything

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
