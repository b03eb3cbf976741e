"""quantized-distillation: model compression via distillation and quantization (Polino et al., ICLR 2018).

Quantizers with bucketing (:mod:`~quantized_distillation.quantizers`), straight-through quantized weights and
learnable quantization points as parametrizations of any ``nn.Module``
(:mod:`~quantized_distillation.parametrize`), the distillation loss (:mod:`~quantized_distillation.losses`),
the two training procedures, quantized distillation and differentiable quantization
(:mod:`~quantized_distillation.train`), size accounting (:mod:`~quantized_distillation.size`) and export
(:mod:`~quantized_distillation.export`).

The library imports torch only; the reproduction (``quantized_distillation.reproduce``) needs the ``reproduce``
extra.
"""

from quantized_distillation.export import pack, unpack
from quantized_distillation.losses import DistillationLoss, distillation_loss
from quantized_distillation.parametrize import (
    LearnedPoints,
    QuantizeWeight,
    bucket_statistics,
    is_quantized,
    learn_points_,
    quantize_model_,
    quantized_parameters,
    select_parameters,
    strip_quantization_,
)
from quantized_distillation.quantizers import (
    BucketScaler,
    nonuniform_quantize,
    quantile_points,
    uniform_codes,
    uniform_points,
    uniform_quantize,
)
from quantized_distillation.size import compression_ratio, huffman_bits, model_size_bits
from quantized_distillation.train import (
    allocate_points,
    fit_quantization_points,
    fit_quantized_distillation,
    gradient_norms,
    quantized_distillation_step,
)

__version__ = "0.1.0"

__all__ = [
    "BucketScaler",
    "DistillationLoss",
    "LearnedPoints",
    "QuantizeWeight",
    "__version__",
    "allocate_points",
    "bucket_statistics",
    "compression_ratio",
    "distillation_loss",
    "fit_quantization_points",
    "fit_quantized_distillation",
    "gradient_norms",
    "huffman_bits",
    "is_quantized",
    "learn_points_",
    "model_size_bits",
    "nonuniform_quantize",
    "pack",
    "quantile_points",
    "quantize_model_",
    "quantized_distillation_step",
    "quantized_parameters",
    "select_parameters",
    "strip_quantization_",
    "uniform_codes",
    "uniform_points",
    "uniform_quantize",
    "unpack",
]
