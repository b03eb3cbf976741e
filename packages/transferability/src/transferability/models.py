"""Small layered networks for the digits-scale reproduction (8x8 images flattened to 64 features)."""

from __future__ import annotations

import torch
from torch import nn

from transferability._checks import check_int

__all__ = ["digits_cnn", "digits_mlp"]


def _check(num_classes: int) -> None:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")


def digits_mlp(
    num_classes: int, seed: int | None = None, *, in_features: int = 64, width: int = 128, depth: int = 4
) -> nn.Sequential:
    """An MLP ``in -> width x depth -> num_classes`` with ReLU: ``depth + 1`` layer groups.

    Args:
        num_classes: output size.
        seed: seed of the initialisation (None: the global RNG).
        in_features: input size (64 for digits).
        width: hidden width.
        depth: number of hidden layers.

    Returns:
        The network as an ``nn.Sequential``.
    """
    _check(num_classes)
    for name, v in (("in_features", in_features), ("width", width), ("depth", depth)):
        check_int(name, v)
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(int(seed))
        layers: list[nn.Module] = []
        d = in_features
        for _ in range(depth):
            layers += [nn.Linear(d, width), nn.ReLU()]
            d = width
        layers.append(nn.Linear(d, num_classes))
        return nn.Sequential(*layers)


def digits_cnn(
    num_classes: int,
    seed: int | None = None,
    *,
    channels: tuple[int, int, int] = (16, 32, 64),
    hidden: int = 64,
) -> nn.Sequential:
    """A small CNN for 8x8 digits: Conv 16 - Conv 32 - Conv 64 - FC 64 - FC out (5 layer groups).

    Inputs are flat ``(N, 64)`` rows (reshaped to ``(N, 1, 8, 8)`` inside group 1); 3x3 convolutions with
    padding 1 and ReLU, 2x2 max pooling after conv 2 and conv 3.

    Args:
        num_classes: output size.
        seed: seed of the initialisation (None: the global RNG).
        channels: channels of the three convolutions.
        hidden: width of the hidden fully connected layer.

    Returns:
        The network as an ``nn.Sequential``.
    """
    _check(num_classes)
    if not isinstance(channels, (tuple, list)) or len(channels) != 3:
        raise ValueError(f"channels must be 3 positive ints (one per convolution), got {channels!r}")
    for i, v in enumerate(channels):
        check_int(f"channels[{i}]", v)
    check_int("hidden", hidden)
    c1, c2, c3 = channels
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(int(seed))
        return nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(c3 * 4, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )
