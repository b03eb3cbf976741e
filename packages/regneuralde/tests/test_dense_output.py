"""Output times inside a step: the pairs' own 4th-order interpolants (the default) against the cubic Hermite one.

Issue #25: with Hermite outputs the error at output times was one to two orders of magnitude above the error at
the step ends (and above torchdiffeq's dopri5) at tight tolerances.
"""

import math

import numpy as np
import pytest
import torch

from regneuralde import NeuralODE, solve_ivp
from regneuralde.tableaus import DENSE_WEIGHTS, TABLEAUS

D = torch.float64
T = 20.0
Z0 = (2.0, 0.0)


def pendulum(t, z):  # damped nonlinear pendulum
    return torch.stack([z[1], -torch.sin(z[0]) - 0.1 * z[1]])


class Pendulum(torch.nn.Module):
    def forward(self, t, z):
        return pendulum(t, z)


def reference(times: torch.Tensor) -> torch.Tensor:
    """A tight float64 reference (scipy's DOP853 at rtol = atol = 1e-13)."""
    scipy_integrate = pytest.importorskip("scipy.integrate")
    sol = scipy_integrate.solve_ivp(
        lambda t, z: np.array([z[1], -np.sin(z[0]) - 0.1 * z[1]]),
        (0.0, T),
        np.array(Z0),
        method="DOP853",
        t_eval=times.numpy(),
        rtol=1e-13,
        atol=1e-13,
    )
    return torch.from_numpy(sol.y.T)


def errors(method: str, tol: float, dense: str | None = None) -> tuple[float, float]:
    """(max error at 41 output times, max error at the solver's own step ends) of one solve."""
    z0 = torch.tensor(Z0, dtype=D)
    kw = {"method": method, "rtol": tol, "atol": tol}
    t_out = torch.linspace(0.0, T, 41, dtype=D)
    z, st = solve_ivp(pendulum, z0, t_out, **kw, **({} if dense is None else {"dense": dense}))
    # the steps depend on the end time only, so asking for the step ends serves the step-end values themselves
    ends = torch.cat([torch.zeros(1, dtype=D), st.t + st.h])
    ends[-1] = T
    z_end, _ = solve_ivp(pendulum, z0, ends, **kw)
    return float((z - reference(t_out)).abs().max()), float((z_end - reference(ends)).abs().max())


@pytest.mark.parametrize("method", ["tsit5", "dopri5"])
@pytest.mark.parametrize("tol", [1e-8, 1e-10])
def test_default_output_times_are_as_accurate_as_the_step_ends(method, tol):
    out, end = errors(method, tol)  # the default dense output
    assert out <= 3.0 * end, (out, end)
    hermite, _ = errors(method, tol, "hermite")
    assert hermite >= 10.0 * out, (hermite, out)  # the old default: one to two orders worse


@pytest.mark.parametrize("method", ["tsit5", "dopri5"])
def test_output_times_no_worse_than_torchdiffeq_dopri5(method):
    torchdiffeq = pytest.importorskip("torchdiffeq")
    t_out = torch.linspace(0.0, T, 41, dtype=D)
    ref = reference(t_out)
    z0 = torch.tensor(Z0, dtype=D)
    for tol in (1e-6, 1e-8, 1e-10):
        ours, _ = solve_ivp(pendulum, z0, t_out, method=method, rtol=tol, atol=tol)
        theirs = torchdiffeq.odeint(pendulum, z0, t_out, rtol=tol, atol=tol, method="dopri5")
        assert float((ours - ref).abs().max()) <= float((theirs - ref).abs().max()), tol


@pytest.mark.parametrize("method", ["tsit5", "dopri5"])
def test_interpolant_reproduces_the_step_ends_and_is_fourth_order(method):
    tab, weights = TABLEAUS[method], DENSE_WEIGHTS[method]
    assert all(w == 0.0 for w in weights(0.0))  # theta = 0: the step's start, exactly
    np.testing.assert_allclose(weights(1.0), tab.b, rtol=0, atol=1e-14)  # theta = 1: the step's solution

    def f(t, z):  # y1' = cos(t) y1 -> exp(sin t); y2' = -y2^2 -> 1 / (1 + t)
        return torch.stack([torch.cos(t) * z[0], -(z[1] ** 2)])

    def exact(t):
        return torch.tensor([math.exp(math.sin(t)), 1.0 / (1.0 + t)], dtype=D)

    errs = []
    for h in (0.2, 0.1, 0.05):
        t0 = 0.3
        z = exact(t0)
        ks = [f(torch.tensor(t0, dtype=D), z)]
        for i in range(1, tab.stages):
            g = z + h * sum(a * k for a, k in zip(tab.a[i - 1], ks, strict=False))
            ks.append(f(torch.tensor(t0 + tab.c[i] * h, dtype=D), g))
        errs.append(
            max(
                float(
                    (z + h * sum(w * k for w, k in zip(weights(th), ks, strict=True)) - exact(t0 + th * h))
                    .abs()
                    .max()
                )
                for th in (0.25, 0.5, 0.8)
            )
        )
    # local error O(h^5): halving h divides it by about 32
    assert errs[0] / errs[1] > 20 and errs[1] / errs[2] > 20, errs


@pytest.mark.parametrize("method", ["tsit5", "dopri5"])
def test_interpolated_outputs_are_continuous_at_step_ends(method):
    z0 = torch.tensor(Z0, dtype=D)
    _, st = solve_ivp(pendulum, z0, (0.0, 5.0), method=method, rtol=1e-8, atol=1e-8)
    j = len(st.t) // 2
    t_end = float(st.t[j] + st.h[j])
    eps = 1e-9 * float(st.h[j])
    z, st2 = solve_ivp(
        pendulum, z0, [0.0, t_end - eps, t_end, t_end + eps, 5.0], method=method, rtol=1e-8, atol=1e-8
    )
    assert st2.nfe == st.nfe  # interpolation is free: no extra evaluation
    # just before / after the step end, both interpolants (of steps j and j + 1) meet the step-end value
    assert float((z[1] - z[2]).abs().max()) < 1e-8 and float((z[3] - z[2]).abs().max()) < 1e-8


def test_hermite_stays_selectable_and_the_module_passes_dense():
    z0 = torch.tensor(Z0, dtype=D)
    t = torch.linspace(0.0, 2.0, 5, dtype=D)
    a, _ = solve_ivp(pendulum, z0, t, dense="hermite")
    b, _ = solve_ivp(pendulum, z0, t)
    c, _ = solve_ivp(pendulum, z0, t, dense="interpolant")
    assert not torch.equal(a, b) and torch.equal(b, c)
    node = NeuralODE(Pendulum(), t_span=(0.0, 2.0), dense="hermite")
    assert node.dense == "hermite" and NeuralODE(Pendulum()).dense == "interpolant"
    assert torch.equal(node(z0, t_eval=t)[0], a)
    with pytest.raises(ValueError, match="dense must be one of"):
        NeuralODE(Pendulum(), dense="cubic")


def test_the_reproduction_keeps_hermite_outputs(monkeypatch):
    """The committed spiral results were trained with Hermite outputs: the study pins them (same numbers)."""
    from regneuralde.reproduce import training

    class Stop(Exception):
        pass

    def spy(*args, **kwargs):
        raise Stop(kwargs.get("dense"))

    monkeypatch.setattr(training, "NeuralODE", spy)
    monkeypatch.setattr(
        training, "spiral_data", lambda: (torch.linspace(0, 1.5, 30, dtype=D), torch.ones(30, 2))
    )
    with pytest.raises(Stop, match="^hermite$"):
        training.train_spiral("vanilla", 0, iters=1, rtol=1e-5)
