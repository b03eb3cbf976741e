"""Discrete architectures: one candidate per TBS layer, buildable as a plain ``nn.Module``; FBNet-A/B/C.

The op lists of FBNet-A/B/C follow the paper's Fig. 4 (cross-checked with the block lists published in
facebookresearch/mobile-vision, ``fbnet_modeldef_cls_fbnet.py``); no weights ship.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

import torch
from torch import nn

from fbnet.blocks import make_block
from fbnet.space import FBNetSpace, check_ops


class ChainNet(nn.Module):
    """stem -> the chosen block of every TBS layer -> head (a derived FBNet)."""

    def __init__(self, space: FBNetSpace, ops: Sequence[str], *, bias: bool = False) -> None:
        super().__init__()
        self.space, self.ops = space, check_ops(space, ops)
        self.stem = space.make_stem()
        self.blocks = nn.ModuleList(
            make_block(o, L.c_in, L.c_out, L.stride, pw_when_e1=space.pw_when_e1, bias=bias)
            for o, L in zip(self.ops, space.layers(), strict=True)
        )
        self.head = space.make_head()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.space.check_input(x, next(self.stem.parameters()))
        x = self.stem(x)
        for b in self.blocks:
            x = b(x)
        return self.head(x)


@dataclasses.dataclass(frozen=True)
class Architecture:
    """One candidate name per TBS layer."""

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        if isinstance(self.ops, str) or not all(isinstance(o, str) for o in self.ops):
            raise TypeError(f"ops must be a sequence of candidate names (str), got {self.ops!r}")
        object.__setattr__(self, "ops", tuple(self.ops))

    def build(self, space: FBNetSpace, *, bias: bool = False) -> ChainNet:
        """A fresh (untrained) network of this architecture in ``space``.

        Args:
            space: the search space (its layer count must equal ``len(ops)``).
            bias: conv biases in the TBS blocks (mobile-vision's released models use them).

        Returns:
            The network.
        """
        return ChainNet(space, self.ops, bias=bias)

    def to_json(self) -> str:
        """``{"ops": [...]}`` as JSON."""
        return json.dumps({"ops": list(self.ops)})

    @classmethod
    def from_json(cls, text: str) -> Architecture:
        """Inverse of :meth:`to_json`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"expected a JSON object with an 'ops' list, got invalid JSON ({exc})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("ops"), list):
            raise ValueError("expected a JSON object with an 'ops' list")
        return cls(tuple(data["ops"]))

    def count(self, name: str) -> int:
        """How many layers use ``name``."""
        return sum(o == name for o in self.ops)


FBNET_A = Architecture(
    ("skip", "k3_e3", "k3_e1", "skip", "skip", "k5_e6", "k3_e3", "k5_e1", "k3_e3", "k5_e6", "k5_e3",
     "k5_e1_g2", "k5_e6", "k3_e6", "k5_e1_g2", "k5_e3", "k3_e1_g2", "k5_e6", "k5_e6", "k5_e3", "k5_e6", "k5_e6")
)  # fmt: skip
"""FBNet-A (use with ``FBNetSpace.imagenet(head=1504)``)."""
FBNET_B = Architecture(
    ("k3_e1", "k3_e6", "k5_e1", "k3_e1", "k3_e1", "k5_e6", "k5_e3", "k3_e6", "k5_e6", "k5_e6", "k5_e6",
     "skip", "k5_e3", "k5_e6", "k3_e1", "k5_e1", "k5_e3", "k5_e6", "k5_e1", "k5_e6", "k5_e6", "k3_e6")
)  # fmt: skip
"""FBNet-B (use with ``FBNetSpace.imagenet(head=1984)``)."""
FBNET_C = Architecture(
    ("k3_e1", "k3_e6", "skip", "k3_e1", "k3_e1", "k5_e6", "k5_e3", "k5_e6", "k3_e6", "k5_e6", "k5_e3",
     "k5_e6", "k5_e6", "k5_e6", "k5_e6", "k5_e6", "k5_e3", "k5_e6", "k5_e6", "k5_e6", "k5_e6", "k3_e6")
)  # fmt: skip
"""FBNet-C (use with ``FBNetSpace.imagenet(head=1984)``)."""
