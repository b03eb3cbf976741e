"""A slow brute-force reference written directly from the paper's Eqs. 1-6, loop over pairs and features.

It shares no code with the package: every sum is a Python loop over scalars.
"""

from __future__ import annotations

import math

import torch


def psi(a: float, b: float, reduction: str) -> float:
    if reduction == "product":
        return a * b
    if reduction == "min":
        return min(a, b)
    if reduction == "max":
        return max(a, b)
    if reduction == "mean":
        return (a + b) / 2
    if reduction == "gmean":
        return math.sqrt(max(a * b, 0.0))
    if reduction == "softmin":
        return -math.log(math.exp(-a) + math.exp(-b))
    raise ValueError(reduction)


def measures(x, f, tau):
    """Per feature: the projection value and whether the feature is a member of the set."""
    vals = []
    for k in range(f.shape[0]):
        v = sum(float(x[i]) * float(f[k, i]) for i in range(f.shape[1]))
        vals.append((v, v > tau))
    return vals


def set_intersection(a, b, reduction, exact):
    shared = [k for k in range(len(a)) if a[k][1] and b[k][1]]
    if reduction == "product" or exact:
        return sum(psi(a[k][0], b[k][0], reduction) for k in shared)
    i_a = sum(a[k][0] for k in shared)
    i_b = sum(b[k][0] for k in shared)
    return psi(i_a, i_b, reduction)


def set_difference(a, b, reduction):
    out = sum(a[k][0] for k in range(len(a)) if a[k][1] and not b[k][1])
    shared = [k for k in range(len(a)) if a[k][1] and b[k][1]]
    if reduction == "subtractmatch":
        out += sum(a[k][0] - b[k][0] for k in shared if a[k][0] > b[k][0])
    elif reduction == "subtractmatch_aggregate":
        i_a = sum(a[k][0] for k in shared)
        i_b = sum(b[k][0] for k in shared)
        out += max(i_a - i_b, 0.0)
    return out


def oracle_similarity(
    x, p, f, alpha, beta, theta, *, model, intersection, difference, tau=0.0, exact=False, ratio_eps=1.0
):
    out = torch.zeros(x.shape[0], p.shape[0], dtype=torch.float64)
    for i in range(x.shape[0]):
        a = measures(x[i], f, tau)
        for j in range(p.shape[0]):
            b = measures(p[j], f, tau)
            common = set_intersection(a, b, intersection, exact)
            d_ab = set_difference(a, b, difference)
            d_ba = set_difference(b, a, difference)
            if model == "contrast":
                out[i, j] = theta * common - alpha * d_ab - beta * d_ba
            else:
                out[i, j] = common / (common + alpha * d_ab + beta * d_ba + ratio_eps)
    return out
