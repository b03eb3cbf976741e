"""The stochastic super net (paper Sec. 3.3, Eq. 4-7): every TBS layer is a Gumbel-softmax-weighted sum of all
its candidate blocks, and the expected latency is the mask-weighted sum of the lookup table.

The combination of candidates reuses darts-core's mixed-op weighting (``darts_core.weighted_sum``, DARTS Eq. 2).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import cast

import torch
from torch import nn

from darts_core import weighted_sum
from fbnet.arch import Architecture, ChainNet
from fbnet.blocks import make_block
from fbnet.latency import LatencyTable
from fbnet.space import FBNetSpace


def gumbel_noise(shape: tuple[int, ...], *, generator: torch.Generator | None = None, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32) -> torch.Tensor:  # fmt: skip
    """Standard Gumbel noise ``g = -log(E)``, ``E ~ Exp(1)`` (equal in law to ``-log(-log U)``)."""
    e = torch.empty(shape, dtype=dtype).exponential_(generator=generator)
    return (-e.clamp_min(1e-20).log()).to(device)


def gumbel_softmax_mask(
    theta: torch.Tensor,
    tau: float,
    *,
    noise: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    hard: bool = False,
) -> torch.Tensor:
    """Eq. 5: ``m = softmax((theta + g) / tau)`` along the last dim, one noise draw per row.

    Args:
        theta: logits, ``(..., K)``.
        tau: temperature (> 0).
        noise: Gumbel noise of ``theta``'s shape (drawn when None; pass zeros for the noiseless softmax).
        generator: torch generator for the draw.
        hard: straight-through: one-hot forward, soft gradient (not in the paper).

    Returns:
        The mask, same shape as ``theta``, rows summing to 1.
    """
    if not (isinstance(tau, (int, float)) and math.isfinite(tau) and tau > 0):
        raise ValueError(f"tau must be a finite float > 0, got {tau!r}")
    if noise is not None and noise.shape != theta.shape:
        raise ValueError(f"noise must have theta's shape {tuple(theta.shape)}, got {tuple(noise.shape)}")
    if noise is None:
        noise = gumbel_noise(tuple(theta.shape), generator=generator, device=theta.device, dtype=theta.dtype)
    m = torch.softmax((theta + noise) / tau, dim=-1)
    if hard:
        one_hot = torch.zeros_like(m).scatter_(-1, m.argmax(-1, keepdim=True), 1.0)
        m = one_hot - m.detach() + m
    return m


class FBNetSuperNet(nn.Module):
    """The stochastic super net over ``space``; architecture parameters ``theta`` of shape ``(L, K)``.

    Args:
        space: the search space.
        lut: the latency table of the target device (its entries for ``space`` must exist).
        theta_init: initial value of every ``theta`` entry (uniform distribution over candidates).
    """

    lut: torch.Tensor
    lut_fixed: torch.Tensor

    def __init__(self, space: FBNetSpace, lut: LatencyTable, *, theta_init: float = 0.0) -> None:
        super().__init__()
        if not isinstance(space, FBNetSpace):
            raise TypeError(f"space must be an FBNetSpace, got {type(space).__name__}")
        if not isinstance(lut, LatencyTable):
            raise TypeError(f"lut must be a LatencyTable, got {type(lut).__name__}")
        if not (isinstance(theta_init, (int, float)) and math.isfinite(theta_init)):
            raise ValueError(f"theta_init must be a finite number, got {theta_init!r}")
        self.space = space
        self.stem = space.make_stem()
        self.choices = nn.ModuleList(
            nn.ModuleList(
                make_block(o, L.c_in, L.c_out, L.stride, pw_when_e1=space.pw_when_e1)
                for o in space.candidates
            )
            for L in space.layers()
        )
        self.head = space.make_head()
        self.theta = nn.Parameter(torch.full((space.n_layers, len(space.candidates)), float(theta_init)))
        self.register_buffer("lut", lut.matrix(space).float())
        self.register_buffer("lut_fixed", torch.tensor(lut.fixed(space), dtype=torch.float32))

    def arch_parameters(self) -> list[nn.Parameter]:
        """``[theta]``."""
        return [self.theta]

    def weight_parameters(self) -> Iterator[nn.Parameter]:
        """Every parameter but ``theta``."""
        return (p for n, p in self.named_parameters() if n != "theta")

    def named_weight_parameters(self) -> Iterator[tuple[str, nn.Parameter]]:
        """``(name, parameter)`` of every parameter but ``theta`` (darts-core's ``Searchable`` protocol)."""
        return ((n, p) for n, p in self.named_parameters() if n != "theta")

    def arch_weights(self) -> dict[str, torch.Tensor]:
        """``{"theta": softmax(theta)}``, the ``(L, K)`` distribution ``P_theta`` (darts-core's ``SearchableSupernet``)."""
        return {"theta": torch.softmax(self.theta.detach(), -1)}

    def genotype(self, rule: object = None) -> Architecture:
        """The argmax architecture (darts-core's ``SearchableSupernet``; ``rule`` must be None or ``"argmax"``)."""
        if rule not in (None, "argmax"):
            raise ValueError(f"rule must be None or 'argmax' (one candidate per layer), got {rule!r}")
        return self.sample("argmax")

    def relaxed(self, tau: float = 1.0, sampler: str = "softmax") -> RelaxedSuperNet:
        """A logits-only view of this super net with a fixed relaxation, for darts-core's ``Architect``."""
        return RelaxedSuperNet(self, tau=tau, sampler=sampler)

    def mask(
        self,
        tau: float,
        *,
        sampler: str = "gumbel",
        generator: torch.Generator | None = None,
        hard: bool = False,
    ) -> torch.Tensor:
        """The ``(L, K)`` mixing weights: Gumbel-softmax (``"gumbel"``, FBNet) or plain softmax (``"softmax"``, DARTS)."""
        if sampler == "gumbel":
            return gumbel_softmax_mask(self.theta, tau, generator=generator, hard=hard)
        if sampler == "softmax":
            return gumbel_softmax_mask(self.theta, tau, noise=torch.zeros_like(self.theta), hard=hard)
        raise ValueError(f"sampler must be 'gumbel' or 'softmax', got {sampler!r}")

    def expected_latency(self, mask: torch.Tensor) -> torch.Tensor:
        """Eq. 7: ``fixed + sum_l sum_i m_li LUT_li`` (us)."""
        if mask.shape != self.lut.shape:
            raise ValueError(f"mask must have shape {tuple(self.lut.shape)}, got {tuple(mask.shape)}")
        return self.lut_fixed + (mask * self.lut).sum()

    def forward_with_mask(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits and expected latency for a given ``(L, K)`` mask."""
        self.space.check_input(x, self.theta)
        if mask.shape != self.theta.shape:
            raise ValueError(f"mask must have shape {tuple(self.theta.shape)}, got {tuple(mask.shape)}")
        h = self.stem(x)
        for ops, m in zip(self.choices, mask, strict=True):
            h = weighted_sum(m, h, ops)  # type: ignore[arg-type]
        return self.head(h), self.expected_latency(mask)

    def forward(
        self,
        x: torch.Tensor,
        tau: float,
        *,
        sampler: str = "gumbel",
        generator: torch.Generator | None = None,
        hard: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Eq. 4-7 with a fresh mask (one Gumbel draw per layer per call, shared by the batch).

        Args:
            x: input ``(N, in_ch, H, W)``.
            tau: Gumbel temperature (> 0).
            sampler: ``"gumbel"`` (FBNet) or ``"softmax"`` (DARTS relaxation, no noise).
            generator: torch generator of the Gumbel draw.
            hard: straight-through one-hot mask.

        Returns:
            ``(logits, expected_latency_us)``.
        """
        return self.forward_with_mask(x, self.mask(tau, sampler=sampler, generator=generator, hard=hard))

    def sample(self, strategy: str = "argmax", *, generator: torch.Generator | None = None) -> Architecture:
        """An architecture: ``argmax`` theta per layer, or a draw from ``P_theta = softmax(theta)`` (``"sample"``)."""
        with torch.no_grad():
            if strategy == "argmax":
                idx = self.theta.argmax(-1)
            elif strategy == "sample":
                p = torch.softmax(self.theta.detach().cpu(), -1)
                idx = torch.multinomial(p, 1, generator=generator).squeeze(-1)
            else:
                raise ValueError(f"strategy must be 'argmax' or 'sample', got {strategy!r}")
        return Architecture(tuple(self.space.candidates[i] for i in idx.tolist()))

    def derive(self, arch: Architecture) -> ChainNet:
        """The standalone network of ``arch`` carrying the super net's current weights (stem, chosen blocks, head)."""
        net = arch.build(self.space)
        net.stem.load_state_dict(self.stem.state_dict())
        net.head.load_state_dict(self.head.state_dict())
        for i, op in enumerate(arch.ops):
            j = self.space.candidates.index(op) if op in self.space.candidates else -1
            if j < 0:
                raise ValueError(
                    f"op {op!r} of layer {i} is not a candidate of this space {self.space.candidates}"
                )
            net.blocks[i] = copy.deepcopy(cast(nn.ModuleList, self.choices[i])[j])
        return net.to(self.theta.device)


class RelaxedSuperNet(nn.Module):
    """``x -> logits`` of an :class:`FBNetSuperNet` under a fixed relaxation, for darts-core's ``Architect``.

    The ``Architect`` calls ``model(x)`` and, for the second-order step, ``torch.func.functional_call`` with the
    weights replaced; this view shares the super net's parameters (``supernet.*`` names) and implements the
    ``Searchable`` protocol. ``tau`` can be changed between steps (the search anneals it per epoch).

    Args:
        supernet: the super net (its parameters, not copies).
        tau: temperature of the mask ``softmax(theta / tau)`` (> 0).
        sampler: ``"softmax"`` (DARTS relaxation, deterministic) or ``"gumbel"`` (a fresh draw per call).
    """

    def __init__(self, supernet: FBNetSuperNet, *, tau: float = 1.0, sampler: str = "softmax") -> None:
        super().__init__()
        if not isinstance(supernet, FBNetSuperNet):
            raise TypeError(f"supernet must be an FBNetSuperNet, got {type(supernet).__name__}")
        if sampler not in ("gumbel", "softmax"):
            raise ValueError(f"sampler must be 'gumbel' or 'softmax', got {sampler!r}")
        if not (isinstance(tau, (int, float)) and math.isfinite(tau) and tau > 0):
            raise ValueError(f"tau must be a finite float > 0, got {tau!r}")
        self.supernet, self.tau, self.sampler = supernet, float(tau), sampler

    def mask(self) -> torch.Tensor:
        """The current ``(L, K)`` mask (differentiable in ``theta``)."""
        return self.supernet.mask(self.tau, sampler=self.sampler)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, num_classes)`` of the relaxed super net."""
        return self.supernet.forward_with_mask(x, self.mask())[0]

    def arch_parameters(self) -> list[nn.Parameter]:
        """``[theta]`` of the super net."""
        return self.supernet.arch_parameters()

    def named_weight_parameters(self) -> Iterator[tuple[str, nn.Parameter]]:
        """The super net's weights, named as in this module (``supernet.<name>``)."""
        return ((f"supernet.{n}", p) for n, p in self.supernet.named_weight_parameters())

    def weight_parameters(self) -> list[nn.Parameter]:
        """The super net's weights."""
        return list(self.supernet.weight_parameters())
