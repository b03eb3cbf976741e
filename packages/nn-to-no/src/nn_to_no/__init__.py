"""nn-to-no: turn convolutional networks, U-Nets and transformers into neural operators (Berner et al. 2025).

Layers whose spatial mixing is an integral (or differential) operator with a kernel in physical coordinates,
resolution-aware resampling, quadrature-weighted losses and attention, the paper's kernel- and input-output
interpolation conversions of trained CNNs, and a discretisation-invariance sweep. The library imports torch only;
the reproduction (``nn_to_no.reproduce``) needs the ``reproduce`` extra.
"""

from nn_to_no.attention import GridEmbedding, IntegralAttention
from nn_to_no.convert import InputOutputInterpolate, ResampledAtBase, to_operator
from nn_to_no.differential import FiniteDifferenceConv2d
from nn_to_no.grid import Grid
from nn_to_no.integral import IntegralConv2d
from nn_to_no.interp_conv import InterpolatedConv2d, interpolate_kernel
from nn_to_no.invariance import discretization_sweep, error_ratios
from nn_to_no.losses import function_l2, rel_l2
from nn_to_no.models import ConvNet, UNetOperator
from nn_to_no.patch import PhysicalPatchEmbed
from nn_to_no.pointwise import PointwiseLinear, QuadratureGroupNorm
from nn_to_no.resample import FourierResample, resize, resize_fourier, resize_linear
from nn_to_no.spectral import SpectralConv2d
from nn_to_no.training import fit

__version__ = "0.1.0"

__all__ = [
    "ConvNet",
    "FiniteDifferenceConv2d",
    "FourierResample",
    "Grid",
    "GridEmbedding",
    "InputOutputInterpolate",
    "IntegralAttention",
    "IntegralConv2d",
    "InterpolatedConv2d",
    "PhysicalPatchEmbed",
    "PointwiseLinear",
    "QuadratureGroupNorm",
    "ResampledAtBase",
    "SpectralConv2d",
    "UNetOperator",
    "__version__",
    "discretization_sweep",
    "error_ratios",
    "fit",
    "function_l2",
    "interpolate_kernel",
    "rel_l2",
    "resize",
    "resize_fourier",
    "resize_linear",
    "to_operator",
]
