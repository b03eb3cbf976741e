"""SineNet (Zhang et al. 2024, Sec. 3): K sequential U-shaped waves with residual connections, and the U-Net
baseline of the same family (one wave), with a solver for the channel multiplier that hits a parameter budget."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from sinenet.blocks import PADDING_MODES, ConvBlock, Upsample2, check_choice, check_device_dtype


def level_channels(hidden: int, mult: float, n_levels: int) -> list[int]:
    """Channels of levels ``0..n_levels``: ``round(hidden * mult**l)`` (at least 1).

    Args:
        hidden: channels at level 0 (the wave's width C).
        mult: channel multiplier per level.
        n_levels: number of down-sampling levels L.

    Returns:
        ``n_levels + 1`` channel counts.
    """
    _pos_int("hidden", hidden)
    if isinstance(n_levels, bool) or not isinstance(n_levels, int) or n_levels < 0:
        raise ValueError(f"n_levels must be an int >= 0, got {n_levels!r}")
    _pos_real("mult", mult)
    return [max(1, round(hidden * mult**level)) for level in range(n_levels + 1)]


def _pos_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return value


def _pos_real(name: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (value > 0 and math.isfinite(value))
    ):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


class Wave(nn.Module):
    """One U-shaped wave (Sec. 3.2): ``L`` down levels (AvgPool2 then ConvBlock; with ``disentangle`` the pooled
    wave input is concatenated at every level >= 1, Sec. 3.3) and ``L`` up levels (Upsample2, concatenate the skip,
    ConvBlock). Maps C channels to C channels at the same resolution.

    Args:
        hidden: wave width C (channels in and out, and at level 0).
        mult: channel multiplier per level.
        n_levels: number of down-sampling levels L.
        padding_mode: ``"zeros"`` or ``"circular"``.
        disentangle: feed the pooled wave input into every down level >= 1 (paper's default).
        upsample: interpolation mode of Upsample2.
        norm_groups: GroupNorm groups.
        activation: activation name.
    """

    def __init__(
        self,
        hidden: int,
        mult: float,
        n_levels: int,
        *,
        padding_mode: str = "zeros",
        disentangle: bool = True,
        upsample: str = "bicubic",
        norm_groups: int = 1,
        activation: str = "gelu",
    ) -> None:
        super().__init__()
        ch = level_channels(hidden, mult, n_levels)
        ch[0] = hidden
        self.channels = ch
        self.disentangle = bool(disentangle)
        kw: dict[str, Any] = {
            "padding_mode": padding_mode,
            "norm_groups": norm_groups,
            "activation": activation,
        }
        extra = hidden if disentangle else 0
        self.down = nn.ModuleList(
            [ConvBlock(hidden, ch[0], **kw)]
            + [ConvBlock(ch[lv - 1] + extra, ch[lv], **kw) for lv in range(1, n_levels + 1)]
        )
        self.up = nn.ModuleList([ConvBlock(ch[lv] + ch[lv + 1], ch[lv], **kw) for lv in range(n_levels)])
        self.upsample = Upsample2(mode=upsample, circular=padding_mode == "circular")

    def forward(self, x: torch.Tensor, record: list[dict[str, Any]] | None = None) -> torch.Tensor:
        """Apply the wave (without the wave residual).

        Args:
            x: (B, C, H, W) wave input.
            record: if a list, per level ``{"level", "encoder", "decoder"}`` is appended: the skip feature and
                the up-sampled decoder feature it is concatenated with (for :func:`sinenet.misalignment`).

        Returns:
            (B, C, H, W).
        """
        skips = [self.down[0](x)]
        dx = x
        for lv in range(1, len(self.down)):
            h = F.avg_pool2d(skips[-1], 2)
            if self.disentangle:
                dx = F.avg_pool2d(dx, 2)
                h = torch.cat([h, dx], dim=1)
            skips.append(self.down[lv](h))
        u = skips.pop()
        for lv in reversed(range(len(self.up))):
            up = self.upsample(u)
            if record is not None:
                record.append({"level": lv, "encoder": skips[lv], "decoder": up})
            u = self.up[lv](torch.cat([skips[lv], up], dim=1))
        return u


class SineNet(nn.Module):
    """SineNet-K: ``h = proj(x); h <- h + Wave_k(h), k = 1..K; y = final(h)`` (Sec. 3.2, Fig. 2).

    Input (B, T_h, F, H, W) is flattened to T_h*F channels; the output is (B, T_f, F, H, W). H and W must be
    divisible by ``2**n_levels``.

    Args:
        in_fields: fields F per frame (scalars + 2 per vector field).
        out_fields: fields predicted per frame (default: ``in_fields``).
        time_history: input frames T_h.
        time_future: predicted frames T_f (paper: 1).
        hidden: wave width C (paper: 64).
        n_waves: number of waves K (paper: 8).
        n_levels: down-sampling levels L per wave (paper: 4).
        mult: channel multiplier per level (exclusive with ``param_budget``; default 2 if neither is given).
        param_budget: target parameter count; ``mult`` is solved with :func:`match_params`.
        padding_mode: ``"zeros"`` or ``"circular"`` (periodic domains).
        disentangle: disentangled down path (paper's default; False is the "tangle" ablation).
        wave_residual: ``h <- h + Wave(h)`` (paper's default) instead of ``h <- Wave(h)``.
        share_waves: one set of weights for all waves (our extension, an ablation).
        upsample: ``"bicubic"`` (paper), ``"bilinear"`` or ``"nearest"``.
        norm_groups: GroupNorm groups (paper: 1).
        activation: ``"gelu"`` (paper), ``"relu"`` or ``"silu"``.
    """

    def __init__(
        self,
        in_fields: int,
        out_fields: int | None = None,
        *,
        time_history: int,
        time_future: int = 1,
        hidden: int = 64,
        n_waves: int = 8,
        n_levels: int = 4,
        mult: float | None = None,
        param_budget: int | None = None,
        padding_mode: str = "zeros",
        disentangle: bool = True,
        wave_residual: bool = True,
        share_waves: bool = False,
        upsample: str = "bicubic",
        norm_groups: int = 1,
        activation: str = "gelu",
    ) -> None:
        super().__init__()
        for name, v in [
            ("in_fields", in_fields),
            ("time_history", time_history),
            ("time_future", time_future),
            ("hidden", hidden),
            ("n_waves", n_waves),
            ("n_levels", n_levels),
        ]:
            _pos_int(name, v)
        if out_fields is not None:
            _pos_int("out_fields", out_fields)
        check_choice("padding_mode", padding_mode, PADDING_MODES)
        if mult is not None and param_budget is not None:
            raise ValueError("give either mult or param_budget, not both")
        if mult is not None:
            _pos_real("mult", mult)
        if param_budget is not None:
            _pos_int("param_budget", param_budget)
        opts: dict[str, Any] = {
            "in_fields": in_fields,
            "out_fields": out_fields,
            "time_history": time_history,
            "time_future": time_future,
            "hidden": hidden,
            "n_waves": n_waves,
            "n_levels": n_levels,
            "padding_mode": padding_mode,
            "disentangle": disentangle,
            "wave_residual": wave_residual,
            "share_waves": share_waves,
            "upsample": upsample,
            "norm_groups": norm_groups,
            "activation": activation,
        }
        if param_budget is not None:
            mult = match_params(param_budget, **opts)
        self.mult = 2.0 if mult is None else float(mult)
        self.in_fields, self.out_fields = int(in_fields), int(out_fields or in_fields)
        self.time_history, self.time_future = int(time_history), int(time_future)
        self.n_levels, self.n_waves = int(n_levels), int(n_waves)
        self.wave_residual, self.share_waves = bool(wave_residual), bool(share_waves)
        self.padding_mode = padding_mode
        pm: Any = padding_mode
        self.image_proj = nn.Conv2d(time_history * in_fields, hidden, 3, padding=1, padding_mode=pm)
        wkw: dict[str, Any] = {
            "padding_mode": padding_mode,
            "disentangle": disentangle,
            "upsample": upsample,
            "norm_groups": norm_groups,
            "activation": activation,
        }
        n_distinct = 1 if share_waves else n_waves
        self.waves = nn.ModuleList([Wave(hidden, self.mult, n_levels, **wkw) for _ in range(n_distinct)])
        self.final = nn.Conv2d(hidden, time_future * self.out_fields, 3, padding=1, padding_mode=pm)

    def _check(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor of shape (B, T_h, F, H, W), got {type(x).__name__}")
        if x.dim() != 5:
            raise ValueError(f"x must have shape (B, T_h, F, H, W), got {tuple(x.shape)}")
        check_device_dtype(x, self.image_proj.weight)
        if x.shape[0] == 0:
            raise ValueError("x has an empty batch (B=0): need at least 1 sample")
        if x.shape[1] != self.time_history or x.shape[2] != self.in_fields:
            raise ValueError(
                f"x must have T_h={self.time_history} frames of F={self.in_fields} fields, "
                f"got T_h={x.shape[1]}, F={x.shape[2]}"
            )
        if not bool(torch.isfinite(x).all()):
            raise ValueError("x must be finite (found NaN or inf)")
        m = 2**self.n_levels
        for name, n in (("H", x.shape[3]), ("W", x.shape[4])):
            if n % m:
                near = max(m, round(n / m) * m)
                raise ValueError(
                    f"{name}={n} must be divisible by 2**n_levels={m}; nearest valid size is {near}"
                )

    def wave(self, k: int) -> Wave:
        """The k-th wave (0-based; the same module for every k with ``share_waves``).

        Args:
            k: wave index.

        Returns:
            The wave module.
        """
        wave = self.waves[0 if self.share_waves else k]
        assert isinstance(wave, Wave)
        return wave

    def _run(self, x: torch.Tensor, record: list[list[dict[str, Any]]] | None) -> tuple[torch.Tensor, list]:
        self._check(x)
        b, _, _, hh, ww = x.shape
        h = self.image_proj(x.reshape(b, -1, hh, ww))
        states = [h]
        for k in range(self.n_waves):
            rec: list[dict[str, Any]] | None = [] if record is not None else None
            u = self.wave(k)(h, rec)
            h = h + u if self.wave_residual else u
            states.append(h)
            if record is not None and rec is not None:
                record.append(rec)
        y = self.final(h).reshape(b, self.time_future, self.out_fields, hh, ww)
        return y, states

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One step: (B, T_h, F, H, W) -> (B, T_f, F_out, H, W).

        Args:
            x: the last T_h frames.

        Returns:
            The next T_f frames.
        """
        return self._run(x, None)[0]

    def wave_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Latent states after the projection and after each wave (K + 1 tensors of shape (B, C, H, W)).

        Args:
            x: (B, T_h, F, H, W).

        Returns:
            ``[h_0, h_1, ..., h_K]``.
        """
        return self._run(x, None)[1]

    def skip_features(self, x: torch.Tensor) -> list[list[dict[str, Any]]]:
        """Per wave, per level: the skip (encoder) feature and the up-sampled decoder feature it is concatenated
        with, the pairs whose spatial misalignment Sec. 3.1 analyses (see :func:`sinenet.misalignment`).

        Args:
            x: (B, T_h, F, H, W).

        Returns:
            A list of K lists of ``{"level", "encoder", "decoder"}`` dicts.
        """
        rec: list[list[dict[str, Any]]] = []
        self._run(x, rec)
        return rec

    def extra_repr(self) -> str:
        return f"n_waves={self.n_waves}, mult={self.mult:.4f}, padding_mode={self.padding_mode!r}"


class UNet(SineNet):
    """The U-Net baseline of the same family: one wave with channel multiplier 2 (the paper's K=1 ablation).

    Args:
        in_fields: fields F per frame.
        out_fields: fields predicted per frame (default: ``in_fields``).
        time_history: input frames T_h.
        mult: channel multiplier (default 2).
        **kwargs: the other options of :class:`SineNet` (not ``n_waves``).
    """

    def __init__(
        self,
        in_fields: int,
        out_fields: int | None = None,
        *,
        time_history: int,
        mult: float = 2.0,
        **kwargs: Any,
    ) -> None:
        if "n_waves" in kwargs:
            raise ValueError("UNet has exactly one wave; use SineNet for n_waves")
        super().__init__(in_fields, out_fields, time_history=time_history, n_waves=1, mult=mult, **kwargs)


def count_params(module: nn.Module) -> int:
    """Number of trainable parameters.

    Args:
        module: any module.

    Returns:
        The count.
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def match_params(target: int, *, lo: float = 0.25, hi: float = 4.0, **kwargs: Any) -> float:
    """Bisect the channel multiplier so that ``SineNet(mult=..., **kwargs)`` has about ``target`` parameters
    (the paper matches all models to one budget by shrinking the multiplier as K grows, App. B).

    Args:
        target: the parameter budget.
        lo: smallest multiplier searched.
        hi: largest multiplier searched.
        **kwargs: the other arguments of :class:`SineNet` (``in_fields``, ``time_history``, ``n_waves``, ...).

    Returns:
        The multiplier whose count is closest to ``target`` (counts are integer steps, so within ~1% for
        realistic budgets; check with :func:`count_params`).
    """
    if isinstance(target, bool) or not isinstance(target, int) or target < 1:
        raise ValueError(f"target must be an int >= 1 parameters, got {target!r}")
    _pos_real("lo", lo)
    _pos_real("hi", hi)
    if lo >= hi:
        raise ValueError(f"need lo < hi, got lo={lo}, hi={hi}")
    kwargs = {k: v for k, v in kwargs.items() if k not in ("mult", "param_budget")}

    def count(m: float) -> int:
        return count_params(SineNet(mult=m, **kwargs))

    c_lo, c_hi = count(lo), count(hi)
    if not c_lo <= target <= c_hi:
        raise ValueError(
            f"target={target} is outside the reachable range [{c_lo}, {c_hi}] for mult in [{lo}, {hi}]"
        )
    best, best_err = lo, abs(c_lo - target)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        c = count(mid)
        if abs(c - target) < best_err:
            best, best_err = mid, abs(c - target)
        if c < target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-4:
            break
    return best
