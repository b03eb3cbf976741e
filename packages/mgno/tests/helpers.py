"""Hand-set classical multigrid kernels for MgConv (one channel): Laplacian ``A``, damped Jacobi ``S``, full
weighting ``R``, bilinear ``P``, ``Pi = 0`` (the correction scheme with residual restriction)."""

import torch
import torch.nn.functional as F

LAP = torch.tensor([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]], dtype=torch.float64)
FULL_WEIGHTING = torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], dtype=torch.float64) / 16
# transposed-conv taps k = 0..3 reach fine points 2j-1, 2j, 2j+1, 2j+2 of coarse point j
_P1 = torch.tensor([0.5, 1.0, 0.5, 0.0], dtype=torch.float64)
BILINEAR = torch.outer(_P1, _P1)


def set_classical(mg, n, omega=0.8):
    h = 1.0 / n
    with torch.no_grad():
        for lvl in range(mg.n_levels):
            hl = h * 2**lvl
            for step in list(mg.pre[lvl]) + list(mg.post[lvl]):
                if step.A is not None:
                    step.A.weight.copy_(LAP / hl**2)
                step.S.weight.zero_()
                step.S.weight[0, 0, 1, 1] = omega * hl**2 / 4
        for lvl in range(mg.n_levels - 1):
            mg.residual[lvl].weight.copy_(LAP / (h * 2**lvl) ** 2)
            mg.restrict_f[lvl].weight.copy_(FULL_WEIGHTING)
            mg.restrict_u[lvl].weight.zero_()
            mg.prolong[lvl].weight.copy_(BILINEAR)


def periodic_laplacian(u, n):
    return F.conv2d(F.pad(u, (1, 1, 1, 1), mode="circular"), (LAP * n * n)[None, None].to(u))
