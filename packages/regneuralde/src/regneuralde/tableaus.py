"""Butcher tableaus of the embedded Runge-Kutta pairs: Tsitouras 5(4) (Tsit5) and Dormand-Prince 5(4) (Dopri5).

Both are FSAL: the last stage is evaluated at the new solution, so its derivative starts the next step, and
both have two stages at c = 1 (the 6th and 7th), which the stiffness estimate uses.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ButcherTableau:
    name: str
    c: tuple[float, ...]
    a: tuple[tuple[float, ...], ...]  # row i holds a_{i,1..i-1} for stage i (i = 2..s)
    b: tuple[float, ...]  # weights of the propagated (5th-order) solution
    b_err: tuple[float, ...]  # b - b_hat: weights of the local error estimate
    order: int
    stability_size: float  # |z| where the stability region meets the negative real axis (stiffness scale)

    @property
    def stages(self) -> int:
        return len(self.c)


# Tsitouras (2011), coefficients as in OrdinaryDiffEq.jl (the paper's solver).
TSIT5 = ButcherTableau(
    name="tsit5",
    c=(0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0),
    a=(
        (0.161,),
        (-0.008480655492356989, 0.335480655492357),
        (2.8971530571054935, -6.359448489975075, 4.3622954328695815),
        (5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525),
        (5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383),
        (
            0.09646076681806523,
            0.01,
            0.4798896504144996,
            1.379008574103742,
            -3.290069515436081,
            2.324710524099774,
        ),
    ),
    b=(
        0.09646076681806523,
        0.01,
        0.4798896504144996,
        1.379008574103742,
        -3.290069515436081,
        2.324710524099774,
        0.0,
    ),
    b_err=(
        -0.00178001105222577714,
        -0.0008164344596567469,
        0.007880878010261995,
        -0.1447110071732629,
        0.5823571654525552,
        -0.45808210592918697,
        1.0 / 66.0,
    ),
    order=5,
    stability_size=3.5068,
)

# Dormand & Prince (1980), as in torchdiffeq's dopri5.
_DP_B = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
_DP_BHAT = (5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)
DOPRI5 = ButcherTableau(
    name="dopri5",
    c=(0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0),
    a=(
        (1 / 5,),
        (3 / 40, 9 / 40),
        (44 / 45, -56 / 15, 32 / 9),
        (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
        (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
        _DP_B[:6],
    ),
    b=_DP_B,
    b_err=tuple(x - y for x, y in zip(_DP_B, _DP_BHAT, strict=True)),
    order=5,
    stability_size=3.3066,
)

TABLEAUS = {"tsit5": TSIT5, "dopri5": DOPRI5}


# Dense output: each pair's own continuous extension, free (it reuses the step's seven stages). Inside a step from
# ``t`` to ``t + h``, ``z(t + theta h) = z + h * sum_i w_i(theta) k_i`` with the weights below; ``w(0) = 0`` and
# ``w(1) = b`` (the step's own solution), and the interpolant is of order 4 (local error O(h^5)), against the
# cubic Hermite polynomial's O(h^4).


def tsit5_dense_weights(theta: float) -> tuple[float, ...]:
    """Tsitouras (2011)'s interpolant ``b_i(theta)`` (the polynomials OrdinaryDiffEq.jl's Tsit5 uses)."""
    t, t2 = theta, theta * theta
    return (
        -1.0530884977290216
        * t
        * (t - 1.3299890189751412)
        * (t2 - 1.4364028541716351 * t + 0.7139816917074209),
        0.1017 * t2 * (t2 - 2.1966568338249754 * t + 1.2949852507374631),
        2.490627285651252793 * t2 * (t2 - 2.38535645472061657 * t + 1.57803468208092486),
        -16.54810288924490272 * (t - 1.21712927295533244) * (t - 0.61620406037800089) * t2,
        47.37952196281928122 * (t - 1.203071208372362603) * (t - 0.658047292653547382) * t2,
        -34.87065786149660974 * (t - 1.2) * (t - 0.666666666666666667) * t2,
        2.5 * (t - 1.0) * (t - 0.6) * t2,
    )


# Shampine (1986)'s dense output for Dormand-Prince 5(4), as in Hairer, Norsett & Wanner I (DOPRI5's CONTD5).
_DP_D = (
    -12715105075 / 11282082432,
    0.0,
    87487479700 / 32700410799,
    -10690763975 / 1880347072,
    701980252875 / 199316789632,
    -1453857185 / 822651844,
    69997945 / 29380423,
)


def dopri5_dense_weights(theta: float) -> tuple[float, ...]:
    """Shampine's quartic for Dopri5 in weight form.

    Hairer's ``z + theta (dz + (1 - theta) (h k1 - dz + theta (2 dz - h k1 - h k7 + (1 - theta) h sum d_i k_i)))``
    with ``dz = h sum b_i k_i``, collected per stage.
    """
    u = 1.0 - theta
    e1 = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    e7 = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    return tuple(
        theta * (b + u * ((k1 - b) + theta * ((2 * b - k1 - k7) + u * d)))
        for b, k1, k7, d in zip(_DP_B, e1, e7, _DP_D, strict=True)
    )


DENSE_WEIGHTS = {"tsit5": tsit5_dense_weights, "dopri5": dopri5_dense_weights}
