"""The sharpDARTS search spaces as darts-core :class:`~darts_core.CellSpace` objects (official ``genotypes.py``).

* :data:`SHARP_PRIMITIVES`: the SharpDARTS space (official ``PRIMITIVES``, 9 ops; the search default);
* :data:`SHARPER_PRIMITIVES`: the SHARPER space (12 ops, 5 x 5 and 7 x 7 kernels too);
* :data:`SHARPSEPCONV_DARTS_PRIMITIVES`: the DARTS op list with every convolution a SharpSepConv (official
  ``DARTS_PRIMITIVES`` + ``OPS``, "SharpSepConvDARTS", the paper's best CIFAR-10 cell).

Cell topology, α, and derivation are darts-core's (DARTS cell: 2 inputs, 4 nodes, 14 edges, top-2 edges per node,
``none`` never selected). SharpSepConv versions of names that DARTS already uses carry a ``sharp_`` prefix
(``sharp_sep_conv_3x3`` is the official ``sep_conv_3x3`` of sharpDARTS).
"""

from __future__ import annotations

from darts_core.spaces import DARTS_SPACE, CellSpace, nb_digits_space
from sharpdarts.ops import register_sharp_ops

__all__ = [
    "SHARPER_PRIMITIVES",
    "SHARPSEPCONV_DARTS_PRIMITIVES",
    "SHARP_PRIMITIVES",
    "sharp_darts_space",
    "sharp_nb_digits_space",
    "sharper_space",
    "sharpsepconv_darts_space",
]

register_sharp_ops()

SHARP_PRIMITIVES: tuple[str, ...] = (
    "none",
    "max_pool_3x3",
    "skip_connect",
    "sharp_sep_conv_3x3",
    "sharp_dil_conv_3x3",
    "flood_conv_3x3",
    "dil_flood_conv_3x3",
    "choke_conv_3x3",
    "dil_choke_conv_3x3",
)
"""The SharpDARTS space (official ``PRIMITIVES``), in the official order."""

SHARPER_PRIMITIVES: tuple[str, ...] = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sharp_sep_conv_3x3",
    "sharp_sep_conv_5x5",
    "sharp_sep_conv_7x7",
    "sharp_dil_conv_3x3",
    "sharp_dil_conv_5x5",
    "flood_conv_3x3",
    "flood_conv_5x5",
    "dil_flood_conv_3x3",
)
"""The SHARPER space (official ``SHARPER_PRIMITIVES``), in the official order."""

SHARPSEPCONV_DARTS_PRIMITIVES: tuple[str, ...] = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sharp_sep_conv_3x3",
    "sharp_sep_conv_5x5",
    "sharp_dil_conv_3x3",
    "sharp_dil_conv_5x5",
)
"""The DARTS candidates with SharpSepConv convolutions (official ``DARTS_PRIMITIVES`` built from ``OPS``)."""


def sharp_darts_space() -> CellSpace:
    """The DARTS cell over :data:`SHARP_PRIMITIVES` (the sharpDARTS search default).

    Returns:
        A :class:`~darts_core.CellSpace` named ``"sharp_darts"``.
    """
    return CellSpace("sharp_darts", 2, 4, SHARP_PRIMITIVES)


def sharper_space() -> CellSpace:
    """The DARTS cell over :data:`SHARPER_PRIMITIVES`.

    Returns:
        A :class:`~darts_core.CellSpace` named ``"sharper"``.
    """
    return CellSpace("sharper", 2, 4, SHARPER_PRIMITIVES)


def sharpsepconv_darts_space() -> CellSpace:
    """The DARTS cell and op list with SharpSepConv convolutions ("SharpSepConvDARTS").

    Returns:
        :data:`darts_core.DARTS_SPACE` with :data:`SHARPSEPCONV_DARTS_PRIMITIVES`, named ``"sharpsepconv_darts"``.
    """
    import dataclasses

    return dataclasses.replace(
        DARTS_SPACE, name="sharpsepconv_darts", primitives=SHARPSEPCONV_DARTS_PRIMITIVES
    )


def sharp_nb_digits_space(primitives: tuple[str, ...] = SHARP_PRIMITIVES, n_nodes: int = 2) -> CellSpace:
    """A tiny one-input NAS-Bench-201-style cell (as darts-core's NB-digits spaces) over sharpDARTS ops.

    Args:
        primitives: candidate op names (registered in :data:`darts_core.ops.OPS`).
        n_nodes: intermediate nodes (2: three edges, as NB-digits-3e5o).

    Returns:
        A :class:`~darts_core.CellSpace` with argmax-per-edge derivation (``none`` allowed, as NB201).
    """
    return nb_digits_space(n_nodes, primitives)
