"""The linear state-space layer (paper Section 3, Appendix B.4) with its three views.

One LSSL maps ``u (batch, length, H)`` to ``y (batch, length, H)`` by running ``H`` independent single-input
systems ``x' = A x + B u``, ``y = C x + D u`` (state size N, ``M`` output channels each), discretised with a
per-feature step ``dt``:

* **recurrent** (Section 3.1): ``x_k = Abar x_{k-1} + Bbar u_k``, ``y_k = C x_k + D u_k`` (``mode="recurrent"``,
  :meth:`LSSL.step` for streaming generation);
* **convolutional** (Section 3.1): ``y = K * u + D u`` with ``K = (C Bbar, C Abar Bbar, ..., C Abar^{L-1} Bbar)``
  built by Krylov squaring and applied by FFT (``mode="conv"``, the training path);
* **continuous**: the same ``(A, B, C, D)`` evaluated with another step, ``rate * dt`` (``rate=2`` for a
  sequence sampled at half the rate).

The ``M`` channels go through an activation (GELU) and a position-wise ``Linear(H*M -> H)``, as in the
official layer.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from lssl.discretize import METHODS, discretize
from lssl.hippo import MEASURES, hippo, random_transition, tridiag_inverse_init, tridiag_inverse_transition
from lssl.krylov import causal_conv, krylov

LEARN_A = ("fixed", "shared", "per_feature")
DT_INITS = ("random", "uniform")
ACTIVATIONS = ("gelu", "relu", "tanh", "identity")
POSTACTS = ("none", "glu")
INIT_C = ("normal", "uniform", "constant")
MODES = ("conv", "recurrent")
TRIDIAG_NAMES = ("dl", "d", "du", "pl", "pr", "c", "b")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def check_dtype(x: Any, name: str, param_dtype: torch.dtype) -> None:
    """The dtype policy of torch layers: a floating-point tensor of the parameters' dtype (autocast excepted),
    else a ``TypeError`` naming both dtypes and the conversion."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(
            f"{name} must be floating point, got {x.dtype}: convert it with {name}.to({param_dtype})"
        )
    if x.dtype != param_dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(
            f"{name} dtype {x.dtype} differs from the parameters' dtype {param_dtype}: convert the input with "
            f"{name}.to({param_dtype}) or the model with model.to({x.dtype})"
            + (" (model.double())" if x.dtype == torch.float64 else "")
        )


def _activation(name: str) -> nn.Module:
    return {"gelu": nn.GELU(), "relu": nn.ReLU(), "tanh": nn.Tanh(), "identity": nn.Identity()}[name]


class LSSL(nn.Module):
    """Linear state-space layer: ``H`` copies of a HiPPO state-space model, run as convolution or recurrence.

    Args (keyword-only; defaults follow the official ``configs/model/layer/lssl.yaml``):
        d_model: number of features ``H`` (one SSM with its own ``dt`` per feature).
        d_state: state size ``N``.
        channels: output channels ``M`` per feature (``C`` is ``(H, M, N)``).
        measure: ``legs`` (default), ``legt``, ``lagt`` or ``random`` (the paper's random-A control).
        learn_A: ``fixed`` (LSSL-f, A frozen at its HiPPO value), ``shared`` (one learned A for all features,
            the official default ``learn=1``) or ``per_feature`` (one learned A per feature, ``learn=2``);
            learned A uses the tridiagonal-inverse family of Section 4 (:func:`lssl.hippo.tridiag_inverse_init`).
        learn_dt: learn ``log dt`` (the "gating = learning dt" of Lemma 3.1).
        dt_min, dt_max: range of the initial steps; ``dt_init="random"`` draws ``log dt`` uniformly,
            ``"uniform"`` spaces it evenly over the features.
        discretization: ``bilinear`` (default), ``gbt`` (with ``alpha``), ``zoh``, ``euler``, ``backward_euler``.
        activation: applied to the M channels before the output linear (``gelu``).
        output_linear: position-wise ``Linear(H*M -> H)``; without it the output has ``H*M`` features.
        postact: ``none`` (default, the LSSL layer) or ``glu``: the output linear maps to ``2H`` features and a
            gated linear unit ``a * sigmoid(b)`` halves them (the ``postact="glu"`` option of the official
            S4/LSSL codebase's sequence layers); needs ``output_linear``.
        dropout: dropout after the activation.
        transition_lr, dt_lr: learning rates of A's parameters and of ``log dt`` (no weight decay on either),
            read by :func:`param_groups`.
        init_C: ``normal`` (N(0, 1), default), ``uniform`` or ``constant``.
        halve_legt: use the halved LegT matrix (official ``hippo.transition``).
    """

    def __init__(
        self,
        *,
        d_model: int,
        d_state: int = 64,
        channels: int = 1,
        measure: str = "legs",
        learn_A: str = "shared",
        learn_dt: bool = True,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        dt_init: str = "random",
        discretization: str = "bilinear",
        alpha: float = 0.5,
        activation: str = "gelu",
        output_linear: bool = True,
        postact: str = "none",
        dropout: float = 0.0,
        transition_lr: float = 1e-4,
        dt_lr: float = 1e-3,
        init_C: str = "normal",
        halve_legt: bool = True,
    ) -> None:
        super().__init__()
        H = _positive_int("d_model", d_model)
        N = _positive_int("d_state", d_state)
        M = _positive_int("channels", channels)
        _choice("measure", measure, (*MEASURES, "random"))
        _choice("learn_A", learn_A, LEARN_A)
        _choice("dt_init", dt_init, DT_INITS)
        _choice("discretization", discretization, METHODS)
        _choice("activation", activation, ACTIVATIONS)
        _choice("postact", postact, POSTACTS)
        if postact == "glu" and not output_linear:
            raise ValueError(
                "postact='glu' needs output_linear=True (the GLU gates the output linear's 2H features)"
            )
        _choice("init_C", init_C, INIT_C)
        if measure == "random" and learn_A != "fixed":
            raise ValueError(
                "learn_A must be 'fixed' with measure='random' (the structured family needs a HiPPO init)"
            )
        if not (isinstance(dt_min, (int, float)) and dt_min > 0):
            raise ValueError(f"dt_min must be > 0, got {dt_min!r}")
        if not (isinstance(dt_max, (int, float)) and dt_max >= dt_min):
            raise ValueError(f"dt_max must be >= dt_min={dt_min}, got {dt_max!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha (the GBT parameter) must be a number in [0, 1], got {alpha!r}")
        self.d_model, self.d_state, self.channels = H, N, M
        self.measure, self.learn_A, self.learn_dt = measure, learn_A, bool(learn_dt)
        self.dt_min, self.dt_max, self.dt_init = float(dt_min), float(dt_max), dt_init
        self.discretization, self.alpha = discretization, float(alpha)
        self.activation_name, self.output_linear, self.dropout_p = (
            activation,
            bool(output_linear),
            float(dropout),
        )
        self.transition_lr, self.dt_lr, self.init_C = float(transition_lr), float(dt_lr), init_C
        self.halve_legt = bool(halve_legt)

        dtype = torch.get_default_dtype()
        if measure == "random":
            A, B = random_transition(N, dtype=dtype)
        elif learn_A == "fixed":
            A, B = hippo(measure, N, halve_legt=halve_legt, dtype=dtype)
        if learn_A == "fixed":
            self.register_buffer("A", A)
            self.register_buffer("B", B)
            self.tridiag = None
        else:
            init = tridiag_inverse_init(measure, N, halve_legt=halve_legt, dtype=dtype)
            shape = (N,) if learn_A == "shared" else (H, N)
            self.tridiag = nn.ParameterDict(
                {k: nn.Parameter(v.expand(shape).clone()) for k, v in init.items()}
            )
            for p in self.tridiag.values():
                p._optim = {"lr": self.transition_lr, "weight_decay": 0.0}  # type: ignore[attr-defined]

        if dt_init == "random":
            log_dt = torch.rand(H) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
        else:
            log_dt = torch.linspace(math.log(dt_min), math.log(dt_max), H)
        if self.learn_dt:
            self.log_dt = nn.Parameter(log_dt)
            self.log_dt._optim = {"lr": self.dt_lr, "weight_decay": 0.0}  # type: ignore[attr-defined]
        else:
            self.register_buffer("log_dt", log_dt)

        if init_C == "normal":
            C, D = torch.randn(H, M, N), torch.randn(H, M)
        elif init_C == "uniform":
            C, D = torch.rand(H, M, N) * 2 - 1, torch.rand(H, M) * 2 - 1
        else:
            C, D = torch.ones(H, M, N), torch.ones(H, M)
        self.C = nn.Parameter(C)
        self.D = nn.Parameter(D)
        self.act = _activation(activation)
        self.drop = nn.Dropout(dropout)
        self.postact = postact
        self.out = nn.Linear(H * M, 2 * H if postact == "glu" else H) if output_linear else None
        self._cache: dict[str, Any] = {}
        self._register_load_state_dict_pre_hook(lambda *a, **k: self.invalidate_cache())

    # ------------------------------------------------------------------ system matrices
    def extra_repr(self) -> str:
        return (
            f"d_model={self.d_model}, d_state={self.d_state}, channels={self.channels}, measure={self.measure!r}, "
            f"learn_A={self.learn_A!r}, learn_dt={self.learn_dt}, dt=[{self.dt_min:g}, {self.dt_max:g}], "
            f"discretization={self.discretization!r}, activation={self.activation_name!r}, postact={self.postact!r}"
        )

    def _apply(self, fn: Any, recurse: bool = True) -> LSSL:  # .to(), .double(), .cuda() drop the cache
        self.invalidate_cache()
        return super()._apply(fn, recurse)

    def invalidate_cache(self) -> None:
        """Drop the cached Krylov matrix (done automatically on parameter changes, ``.to()`` and loading)."""
        self._cache = {}

    def transition(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Continuous ``(A, B)``: ``(N, N), (N,)`` or, with ``learn_A="per_feature"``, ``(H, N, N), (H, N)``."""
        if self.tridiag is None:
            A: torch.Tensor = self.A  # type: ignore[assignment]
            B: torch.Tensor = self.B  # type: ignore[assignment]
            return A, B
        return tridiag_inverse_transition(*(self.tridiag[k] for k in TRIDIAG_NAMES))

    def dt(self, rate: float = 1.0) -> torch.Tensor:
        """Per-feature steps ``exp(log_dt) * rate``, shape ``(H,)``."""
        return torch.exp(self.log_dt) * rate

    def discrete(self, rate: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        """``(Abar (H, N, N), Bbar (H, N))`` of the discretised systems (GBT, Section 2)."""
        A, B = self.transition()
        return discretize(A, B, self.dt(rate), self.discretization, self.alpha)

    def _transition_tensors(self) -> list[torch.Tensor]:
        ts: list[torch.Tensor] = [self.log_dt]  # type: ignore[list-item]
        if self.tridiag is not None:
            ts += list(self.tridiag.values())
        else:
            ts += list(self.transition())
        return ts

    def krylov_matrix(self, L: int, rate: float = 1.0) -> torch.Tensor:
        """The Krylov matrix ``(Bbar, Abar Bbar, ..., Abar^{L-1} Bbar)`` of shape ``(H, N, L)``, cached.

        The cache is keyed on ``L``, ``rate`` and the values of every tensor it depends on (``log dt`` and A's
        parameters, compared with a stored copy: a few hundred numbers), so no change is missed: an optimiser
        step, an in-place edit, or one through ``.data`` (which bumps no version counter). It is bypassed when
        gradients must flow into ``A`` or ``dt``.
        """
        ts = self._transition_tensors()
        needs_grad = torch.is_grad_enabled() and any(t.requires_grad for t in ts)
        if needs_grad:
            Abar, Bbar = self.discrete(rate)
            return krylov(L, Abar, Bbar)  # type: ignore[return-value]
        key = (L, float(rate), tuple((t.dtype, t.device, tuple(t.shape)) for t in ts))
        cached = self._cache
        if not (
            cached.get("key") == key
            and all(torch.equal(t, c) for t, c in zip(ts, cached["values"], strict=True))
        ):
            with torch.no_grad():
                Abar, Bbar = self.discrete(rate)
                values = [t.detach().clone() for t in ts]
                self._cache = {"key": key, "values": values, "K": krylov(L, Abar, Bbar)}
        return self._cache["K"]

    def kernel(self, L: int, rate: float = 1.0) -> torch.Tensor:
        """Convolution kernel ``K_h[m, i] = C_hm Abar_h^i Bbar_h``, shape ``(H, M, L)`` (convolutional view, Section 3.1)."""
        _positive_int("L", L)
        return self.C @ self.krylov_matrix(L, rate)

    def default_state(self, batch: int) -> torch.Tensor:
        """Zero state ``(batch, H, N)``."""
        return self.C.new_zeros(batch, self.d_model, self.d_state)

    # ------------------------------------------------------------------ views
    def _check_input(self, u: torch.Tensor, state: torch.Tensor | None) -> None:
        check_dtype(u, "u", self.C.dtype)
        if state is not None:
            check_dtype(state, "state", self.C.dtype)
        if u.dim() != 3 or u.shape[-1] != self.d_model:
            raise ValueError(f"u must be (batch, length, d_model={self.d_model}), got {tuple(u.shape)}")
        if u.shape[1] < 1:
            raise ValueError("u must have length >= 1")
        if state is not None and tuple(state.shape) != (u.shape[0], self.d_model, self.d_state):
            raise ValueError(
                f"state must be (batch={u.shape[0]}, d_model={self.d_model}, d_state={self.d_state}), "
                f"got {tuple(state.shape)}"
            )

    def _readout(self, y: torch.Tensor) -> torch.Tensor:
        """``(B, L, H, M)`` SSM outputs -> activation, dropout, output linear (and GLU with ``postact="glu"``)."""
        y = self.drop(self.act(y.flatten(-2)))
        if self.out is None:
            return y
        y = self.out(y)
        return nn.functional.glu(y, dim=-1) if self.postact == "glu" else y

    def forward(
        self,
        u: torch.Tensor,
        state: torch.Tensor | None = None,
        *,
        mode: str = "conv",
        rate: float = 1.0,
        return_state: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Apply the layer to ``u (batch, length, H)``.

        Returns ``(y, next_state)``: ``y`` is ``(batch, length, H)`` (``H*M`` without the output linear) and
        ``next_state`` the state ``(batch, H, N)`` after the last step when ``state`` is given or
        ``return_state`` is set, else None. ``mode`` is ``conv`` (FFT convolution) or ``recurrent`` (Section 3.1,
        one step at a time); both give the same outputs. ``rate`` multiplies ``dt`` (continuous view).
        """
        _choice("mode", mode, MODES)
        self._check_input(u, state)
        if not (isinstance(rate, (int, float)) and rate > 0):
            raise ValueError(f"rate must be > 0, got {rate!r}")
        want_state = return_state or state is not None
        if mode == "recurrent":
            ys, x = self._recurrent(u, state, rate)
            return self._readout(ys), (x if want_state else None)
        y, x_next = self._conv(u, state, rate, want_state)
        return self._readout(y), x_next

    def _conv(
        self, u: torch.Tensor, state: torch.Tensor | None, rate: float, want_state: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        L = u.shape[1]
        wdtype = self.C.dtype
        K = self.krylov_matrix(L, rate)  # (H, N, L)
        k = self.C @ K  # (H, M, L)
        uh = u.transpose(1, 2).to(wdtype)  # (B, H, L)
        y = causal_conv(uh[:, :, None, :], k) + self.D[:, :, None] * uh[:, :, None, :]  # (B, H, M, L)
        x_next = None
        if state is not None or want_state:
            Abar, _ = self.discrete(rate)
            if state is not None:
                s = state.to(wdtype)
                # y_k += C Abar^{k+1} x_{-1}: Krylov of Abar on Abar x_{-1}, projected by C
                Kc = krylov(L, Abar.transpose(-1, -2)[:, None], self.C)  # (H, M, N, L): (Abar^T)^k C^T
                Ax = torch.einsum("hnm,bhm->bhn", Abar, s)  # (B, H, N)
                y = y + torch.einsum("hmnl,bhn->bhml", Kc, Ax)
            # x_{L-1} = Abar^L x_{-1} + sum_k Abar^{L-1-k} Bbar u_k
            x_next = torch.einsum("hnl,bhl->bhn", K, uh.flip(-1))
            if state is not None:
                AL = torch.linalg.matrix_power(Abar, L)
                x_next = x_next + torch.einsum("hnm,bhm->bhn", AL, state.to(wdtype))
        return y.permute(0, 3, 1, 2).to(u.dtype), x_next

    def _recurrent(
        self, u: torch.Tensor, state: torch.Tensor | None, rate: float
    ) -> tuple[torch.Tensor, torch.Tensor]:
        Abar, Bbar = self.discrete(rate)
        x = self.default_state(u.shape[0]) if state is None else state.to(self.C.dtype)
        uw = u.to(self.C.dtype)
        ys = []
        for t in range(u.shape[1]):
            y_t, x = self._step(uw[:, t], x, Abar, Bbar)
            ys.append(y_t)
        return torch.stack(ys, dim=1).to(u.dtype), x

    def _step(
        self, u_t: torch.Tensor, x: torch.Tensor, Abar: torch.Tensor, Bbar: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # einsum lowers to one (H, N, N) x (H, N, batch) bmm instead of broadcasting Abar over the batch
        x = torch.einsum("hnm,bhm->bhn", Abar, x) + Bbar * u_t[..., None]  # (B, H, N)
        y = torch.einsum("hkn,bhn->bhk", self.C, x) + self.D * u_t[..., None]  # (B, H, M)
        return y, x

    def step(
        self, u_t: torch.Tensor, state: torch.Tensor, *, rate: float = 1.0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One recurrent step (recurrent view, Section 3.1) for streaming: ``u_t (batch, H)``, ``state (batch, H, N)`` ->
        ``(y_t (batch, H), next_state)``; ``O(N^2)`` work per feature."""
        check_dtype(u_t, "u_t", self.C.dtype)
        if u_t.dim() != 2 or u_t.shape[-1] != self.d_model:
            raise ValueError(f"u_t must be (batch, d_model={self.d_model}), got {tuple(u_t.shape)}")
        self._check_input(u_t[:, None], state)
        Abar, Bbar = self.discrete(rate)
        y, x = self._step(u_t.to(self.C.dtype), state.to(self.C.dtype), Abar, Bbar)
        return self._readout(y[:, None])[:, 0].to(u_t.dtype), x


def param_groups(model: nn.Module, lr: float, weight_decay: float = 0.0) -> list[dict[str, Any]]:
    """Optimizer parameter groups: A's parameters at ``transition_lr`` and ``log dt`` at ``dt_lr``, both without
    weight decay (official training recipe), the rest at ``lr`` / ``weight_decay``."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or not weight_decay >= 0:
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
    default: list[nn.Parameter] = []
    special: dict[tuple[float, float], list[nn.Parameter]] = {}
    for p in model.parameters():
        if not p.requires_grad:
            continue
        opt = getattr(p, "_optim", None)
        if opt is None:
            default.append(p)
        else:
            special.setdefault((opt["lr"], opt["weight_decay"]), []).append(p)
    groups: list[dict[str, Any]] = [{"params": default, "lr": lr, "weight_decay": weight_decay}]
    groups += [{"params": ps, "lr": k[0], "weight_decay": k[1]} for k, ps in special.items()]
    return [g for g in groups if g["params"]]


__all__ = ["LSSL", "param_groups"]
