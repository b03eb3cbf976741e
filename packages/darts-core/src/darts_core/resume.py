"""What an exact resume needs, for search loops written outside darts-core (FBNet, ProxylessNAS, ...).

:func:`darts_core.search` uses these itself: the global random generators (torch CPU and CUDA, numpy, ``random``),
the generators a data loader draws its order from, an endless :class:`Cycle` over D_val that can be put back at
the same position inside a pass, and atomic writes (a failed write never leaves a truncated file). A loop that
saves ``global_rng_state()``, ``loader_rng_state(loader)`` and ``Cycle.state_dict()`` with its model and
optimisers through :func:`atomic_torch_save`, and restores them in that order, resumes bit for bit.
"""

from __future__ import annotations

from darts_core._io import atomic_torch_save, atomic_write
from darts_core._random import (
    Cycle,
    global_rng_state,
    loader_generators,
    loader_rng_state,
    set_global_rng_state,
    set_loader_rng_state,
)

__all__ = [
    "Cycle",
    "atomic_torch_save",
    "atomic_write",
    "global_rng_state",
    "loader_generators",
    "loader_rng_state",
    "set_global_rng_state",
    "set_loader_rng_state",
]
