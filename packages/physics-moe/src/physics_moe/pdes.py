"""PDEs on a 1-D space-time grid ``(n_t, n_x)``, written for the hard-constraint layer.

A PDE gives (i) the finite-difference terms of every basis channel (``u``, ``u_t``, ``u_x``, ``u_xx``), all linear
in the basis so that the terms of ``b @ w`` are the terms of ``b`` contracted with ``w``; (ii) the pointwise residual
``F(u, u_t, u_x, u_xx)`` of those contracted terms (possibly non-linear: Fisher-KPP, diffusion-sorption); and (iii)
the boundary rows, linear in ``w``. Axes: basis ``(..., n_t, n_x, N)``; time is axis -3, space axis -2.
"""

from __future__ import annotations

import torch

from physics_moe._checks import check_float, check_tensor
from physics_moe.fd import _fd_first as fd_first


class PDE1D:
    """Base class: ``u_t = ...`` on ``x in [x_0, x_1]``, Dirichlet rows at both ends for ``t > 0``.

    Subclasses set ``terms`` (the names :meth:`residual` reads) and ``linear`` and implement :meth:`residual`.
    """

    name = "pde"
    terms: tuple[str, ...] = ("u", "u_t", "u_xx")
    linear = False

    def residual_terms(self, b: torch.Tensor, t: torch.Tensor, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Finite-difference terms of every basis channel.

        Args:
            b: basis ``(..., n_t, n_x, N)``.
            t: time nodes ``(n_t,)``.
            x: space nodes ``(n_x,)``.

        Returns:
            ``{name: tensor shaped like b}`` for every name in ``self.terms`` (and ``u_x`` when ``u_xx`` is used).
        """
        out = {"u": b}
        if "u_t" in self.terms:
            out["u_t"] = fd_first(b, t, -3)
        if "u_x" in self.terms or "u_xx" in self.terms:
            out["u_x"] = fd_first(b, x, -2)
        if "u_xx" in self.terms:
            out["u_xx"] = fd_first(out["u_x"], x, -2)
        return out

    def residual(self, v: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pointwise PDE residual ``F(v)`` of contracted terms (each shaped like the output ``u``).

        Args:
            v: contracted terms, ``{name: tensor}`` for the names in ``self.terms``.

        Returns:
            The residual, shaped like ``v["u"]``.
        """
        raise NotImplementedError

    def partials(self, v: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Pointwise partial derivatives ``dF/dv_name`` (used for the Jacobian ``sum_j dF/dv_j T_j``).

        The default differentiates :meth:`residual` with autograd (valid because ``F`` acts point by point);
        subclasses give closed forms.

        Args:
            v: contracted terms, ``{name: tensor}``.

        Returns:
            ``{name: tensor shaped like v[name]}`` for every name in ``self.terms``.
        """
        with torch.enable_grad():
            leaves = {k: v[k].detach().requires_grad_(True) for k in self.terms}
            grads = torch.autograd.grad(self.residual(leaves).sum(), [leaves[k] for k in self.terms])
        return dict(zip(self.terms, grads, strict=True))

    def bc_rows(
        self, terms: dict[str, torch.Tensor], bc: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Boundary rows ``A w - y`` (linear in ``w``) for the times ``t > 0``.

        Args:
            terms: :meth:`residual_terms` of the basis, each ``(B, n_t, n_x, N)``.
            bc: boundary values ``(B, n_t, 2)`` (left, right), or None for homogeneous conditions.

        Returns:
            ``(A, y)`` of shapes ``(B, 2 (n_t - 1), N)`` and ``(B, 2 (n_t - 1))``.
        """
        b = terms["u"]
        a = torch.cat([b[:, 1:, 0], b[:, 1:, -1]], dim=1)
        if bc is None:
            y = torch.zeros(a.shape[:2], dtype=a.dtype, device=a.device)
        else:
            y = torch.cat([bc[:, 1:, 0], bc[:, 1:, 1]], dim=1).to(a)
        return a, y

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Heat1D(PDE1D):
    """Heat equation ``u_t = nu u_xx`` (linear; the sanity task, Task B of the spec)."""

    name = "heat"
    terms = ("u", "u_t", "u_xx")
    linear = True

    def __init__(self, *, nu: float = 0.01) -> None:
        self.nu = check_float("nu", nu, lo=0.0, lo_open=True)

    def residual(self, v: dict[str, torch.Tensor]) -> torch.Tensor:
        return v["u_t"] - self.nu * v["u_xx"]

    def partials(self, v: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        u = v["u"]
        return {"u": torch.zeros_like(u), "u_t": torch.ones_like(u), "u_xx": torch.full_like(u, -self.nu)}

    def extra_repr(self) -> str:
        return f"nu={self.nu}"


class FisherKPP1D(PDE1D):
    """Fisher-KPP ``u_t = D u_xx + rho u (1 - u)`` (non-linear travelling front, Task A of the spec)."""

    name = "fisher_kpp"
    terms = ("u", "u_t", "u_xx")

    def __init__(self, *, D: float = 1.0, rho: float = 1.0) -> None:
        self.D = check_float("D", D, lo=0.0, lo_open=True)
        self.rho = check_float("rho", rho, lo=0.0, lo_open=True)

    def residual(self, v: dict[str, torch.Tensor]) -> torch.Tensor:
        u = v["u"]
        return v["u_t"] - self.D * v["u_xx"] - self.rho * u * (1 - u)

    def partials(self, v: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        u = v["u"]
        return {"u": -self.rho * (1 - 2 * u), "u_t": torch.ones_like(u), "u_xx": torch.full_like(u, -self.D)}

    def extra_repr(self) -> str:
        return f"D={self.D}, rho={self.rho}"


class DiffusionSorption1D(PDE1D):
    """Diffusion-sorption ``u_t = D / R(u) u_xx`` (PDEBench; the paper's 1-D task).

    ``R(u) = 1 + (1 - phi) / phi * rho_s * k * n_f * u^(n_f - 1)``, with the official code's guard for ``u <= 0``
    (``(max(u, 0) + 1e-6)^(n_f - 1)`` where ``u > 0``, ``1e-6^(n_f - 1)`` otherwise). Boundary rows: ``u(t, 0) =
    bc[..., 0]`` (1 in PDEBench) and the Robin condition ``u(t, 1) - D u_x(t, 1) = bc[..., 1]`` (0). The official
    training loss compares ``u(t, 1)`` with the reference solution instead (a small data leak); we do not.
    """

    name = "diffusion_sorption"
    terms = ("u", "u_t", "u_xx")

    def __init__(
        self,
        *,
        D: float = 5e-4,
        phi: float = 0.29,
        rho_s: float = 2880.0,
        k: float = 3.5e-4,
        n_f: float = 0.874,
    ) -> None:
        check_float("D", D, lo=0.0, lo_open=True)
        if check_float("phi", phi, lo=0.0, lo_open=True) >= 1:
            raise ValueError(f"phi must be in (0, 1), got {phi!r}")
        check_float("rho_s", rho_s, lo=0.0)
        check_float("k", k, lo=0.0)
        check_float("n_f", n_f, lo=0.0, lo_open=True)
        self.D, self.phi, self.rho_s, self.k, self.n_f = (
            float(D),
            float(phi),
            float(rho_s),
            float(k),
            float(n_f),
        )

    def retardation(self, u: torch.Tensor) -> torch.Tensor:
        """The retardation factor ``R(u)``, finite for every ``u`` (safe branch for ``u <= 0``).

        Args:
            u: concentration.

        Returns:
            ``R(u)`` shaped like ``u``.
        """
        safe = torch.clamp(u, min=0.0) + 1e-6
        power = torch.where(u > 0, safe ** (self.n_f - 1), torch.full_like(u, 1e-6 ** (self.n_f - 1)))
        return 1 + (1 - self.phi) / self.phi * self.rho_s * self.k * self.n_f * power

    def residual(self, v: dict[str, torch.Tensor]) -> torch.Tensor:
        return v["u_t"] - self.D / self.retardation(v["u"]) * v["u_xx"]

    def bc_rows(
        self, terms: dict[str, torch.Tensor], bc: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        b, bx = terms["u"], terms["u_x"]
        a = torch.cat([b[:, 1:, 0], b[:, 1:, -1] - self.D * bx[:, 1:, -1]], dim=1)
        if bc is None:
            y = torch.cat([torch.ones_like(b[:, 1:, 0, 0]), torch.zeros_like(b[:, 1:, 0, 0])], dim=1)
        else:
            y = torch.cat([bc[:, 1:, 0], bc[:, 1:, 1]], dim=1).to(a)
        return a, y

    def extra_repr(self) -> str:
        return f"D={self.D}, phi={self.phi}, rho_s={self.rho_s}, k={self.k}, n_f={self.n_f}"


PDES: dict[str, type[PDE1D]] = {
    "heat": Heat1D,
    "fisher_kpp": FisherKPP1D,
    "diffusion_sorption": DiffusionSorption1D,
}


def get_pde(name: str, **params: float) -> PDE1D:
    """A PDE by name.

    Args:
        name: one of ``heat``, ``fisher_kpp``, ``diffusion_sorption``.
        **params: the PDE's coefficients (e.g. ``nu=0.01``).

    Returns:
        The PDE object.
    """
    if not isinstance(name, str) or name not in PDES:
        raise ValueError(f"unknown PDE {name!r}; options: {sorted(PDES)}")
    return PDES[name](**params)


def _check_field(pde: PDE1D, u: torch.Tensor, t: torch.Tensor, x: torch.Tensor) -> None:
    """Types and shapes of a field on the grid (no value checks: this runs in every training step)."""
    if not isinstance(pde, PDE1D):
        raise TypeError(f"pde must be a physics_moe.pdes.PDE1D, got {type(pde).__name__}")
    for name, v in (("u", u), ("t", t), ("x", x)):
        check_tensor(name, v)
    if u.ndim != 3 or t.shape != (u.shape[1],) or x.shape != (u.shape[2],):
        raise ValueError(
            f"u must have shape (B, n_t, n_x) with t of shape (n_t,) and x of shape (n_x,), got {tuple(u.shape)}, "
            f"{tuple(t.shape)} and {tuple(x.shape)}"
        )


def fd_residual(pde: PDE1D, u: torch.Tensor, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The PDE residual of a field ``u`` on the whole grid (the physics loss and the evaluation use it).

    Args:
        pde: the PDE.
        u: field ``(B, n_t, n_x)``.
        t: time nodes ``(n_t,)``.
        x: space nodes ``(n_x,)``.

    Returns:
        The residual ``(B, n_t, n_x)``.
    """
    _check_field(pde, u, t, x)
    terms = pde.residual_terms(u.unsqueeze(-1), t.to(u), x.to(u))
    return pde.residual({k: v.squeeze(-1) for k, v in terms.items()})
