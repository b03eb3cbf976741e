"""gradient-noise: annealed Gaussian gradient noise (Neelakantan et al., 2015) for any torch optimiser."""

from gradient_noise.functional import add_gradient_noise_
from gradient_noise.hooks import GradientNoiseHook, register_gradient_noise_hook
from gradient_noise.schedules import (
    AnnealedSchedule,
    ConstantSchedule,
    NoiseSchedule,
    annealed_std,
    annealed_variance,
)
from gradient_noise.wrapper import GradientNoise

__version__ = "0.1.0"

__all__ = [
    "AnnealedSchedule",
    "ConstantSchedule",
    "GradientNoise",
    "GradientNoiseHook",
    "NoiseSchedule",
    "__version__",
    "add_gradient_noise_",
    "annealed_std",
    "annealed_variance",
    "register_gradient_noise_hook",
]
