"""What the case modules of the bad-input sweep (``bad_input_sweep.py``) share; one module per package beside it.

Each case declares what it expects: ``c.error(api, input, fn, match)`` (a clear error whose message matches the
regex), ``c.accept(api, input, fn, check, doc)`` (accepted, and ``check(result)`` says the result is right;
``match=`` also allows a clear error), ``c.warn(api, input, fn, warn)`` (a warning; ``match=`` also allows a clear
error). Inputs are small: the whole sweep runs in a few minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from typing import Any

import torch

NAN, INF = float("nan"), float("inf")
# the dtype policy: a clear TypeError naming both dtypes and the .to(dtype) remedy, or following the input dtype
DTYPE = r"dtype.*(differs|must)|\.to\(|floating"
FINITE = r"non-finite|NaN|nan|inf|finite"


def R(*shape: int, dtype: torch.dtype = torch.float32, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)).to(dtype)


def first(out: Any) -> torch.Tensor:
    while isinstance(out, (tuple, list)):
        out = out[0]
    return out


def has_nan(out: Any) -> bool:
    return bool(torch.isnan(first(out)).any())


def finite(out: Any) -> bool:
    return bool(torch.isfinite(first(out).float()).all())


def with_nan(x: torch.Tensor, value: float = NAN) -> torch.Tensor:
    x = x.clone()
    x.view(-1)[min(3, x.numel() - 1)] = value
    return x


def hp(
    c: Any, api: str, make: Callable[..., Any], name: str, values: list[Any], match: str | None = None
) -> None:
    """Out-of-range and wrong-type values of one hyperparameter: each a clear error naming it."""
    for v in values:
        c.error(api, f"{name}={v!r}", lambda v=v: make(**{name: v}), match or re.escape(name))


def tensor_inputs(
    c: Any,
    api: str,
    call: Callable[[Any], Any],
    x: torch.Tensor,
    *,
    shape_match: str,
    arg: str = "x",
    empty: bool = True,
    drop_rank: bool = True,
    nan: bool = True,
    dtypes: bool = True,
    leading: bool = False,
    last_dim: bool = True,
    cast: bool = False,
) -> None:
    """The neighbours of a good input ``x`` to ``call``: dtypes, wrong rank/shape, None, a list, empty, NaN.

    ``leading``: the module takes any leading dims (as ``nn.Linear``), so an extra or a missing leading dim is
    fine when the output keeps them; ``cast``: the package's documented policy is to cast a floating input to
    the module's dtype; ``last_dim=False``: the last dim is free (an image width)."""
    if dtypes:
        for dt in (torch.float64, torch.float16):
            c.accept(
                api,
                f"{arg} {str(dt)[6:]} into a float32 module",
                lambda dt=dt: call(x.to(dt)),
                (lambda y, dt=dt: first(y).dtype in (x.dtype, dt) and finite(y))
                if cast
                else (lambda y, dt=dt: first(y).dtype == dt and finite(y)),
                "cast to the module's dtype (the package's policy)" if cast else "follows the input dtype",
                match=DTYPE,
            )
        c.error(api, f"{arg} int64", lambda: call(x.round().long()), DTYPE)
    c.error(api, f"{arg}=None", lambda: call(None), rf"{arg}|tensor|Tensor|None")
    c.error(api, f"{arg} as a nested list", lambda: call(x.tolist()), rf"{arg}.*tensor|Tensor|tensor")
    if leading:
        for label, xx in (("an extra leading dim", x.unsqueeze(0)), ("a leading dim fewer", x[0])):
            c.accept(
                api,
                f"{arg} with {label}",
                lambda xx=xx: call(xx),
                lambda y, xx=xx: tuple(first(y).shape[:-1]) == tuple(xx.shape[:-1]),
                "leading dims kept, as nn.Linear",
            )
    else:
        c.error(api, f"{arg} with an extra leading dim", lambda: call(x.unsqueeze(0)), shape_match)
        if drop_rank:
            c.error(api, f"{arg} with a dim too few", lambda: call(x[0]), shape_match)
    if last_dim:
        c.error(api, f"{arg} last dim + 1", lambda: call(torch.cat([x, x[..., :1]], -1)), shape_match)
    if empty:
        c.accept(
            api,
            f"{arg} empty batch",
            lambda: call(x[:0]),
            lambda y: first(y).shape[0] == 0,
            "an empty answer",
            match=r"empty|at least|>= ?1",
        )
    if nan:
        c.accept(
            api,
            f"{arg} holding a NaN (forward)",
            lambda: call(with_nan(x)),
            has_nan,
            "the NaN propagates to the output",
            match=FINITE,
        )


# ------------------------------------------------------------------------------------------ failed writes

_WRITE_HARNESS = """
import json, os, re, resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write over the limit raises OSError(EFBIG), as on a full disk
folder = Path(sys.argv[1])
path = folder / sys.argv[2]
{body}
write_old(path)
before = path.read_bytes()
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit} or len(before) + 1, hard))
try:
    write_new(path)
    raised = None
except BaseException as err:
    raised = f"{{type(err).__name__}}: {{err}}"
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
same = path.exists() and path.read_bytes() == before
try:
    valid(path)
    ok = True
except Exception as err:
    ok = False
    raised = (raised or "") + f" / then invalid: {{type(err).__name__}}: {{err}}"
left = sorted(p.name for p in folder.iterdir() if p.name != path.name and not re.fullmatch(KEEP, p.name))
print("@@" + json.dumps({{"raised": raised, "intact": same and ok, "leftovers": left}}))
"""


def failed_write(
    c: Any, api: str, body: str, *, name: str = "out.json", limit: int | None = None, keep: str = "$^"
) -> None:
    """Write a file, then overwrite it under ``RLIMIT_FSIZE`` in a subprocess: the previous file must stay intact
    and valid, no temporary file may be left behind, and the failure must be raised."""

    def run() -> dict[str, Any]:
        code = _WRITE_HARNESS.format(body=textwrap.dedent(body) + f"\nKEEP = {keep!r}\n", limit=limit)
        with tempfile.TemporaryDirectory() as d:
            proc = subprocess.run(
                [sys.executable, "-c", code, d, name],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "OMP_NUM_THREADS": "1", "PDE_DATA_CACHE": d},
            )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@")]
        if not lines:
            raise RuntimeError(f"harness failed: {proc.stderr[-400:]}")
        return json.loads(lines[-1][2:])

    def check(r: dict[str, Any]) -> Any:
        if not r["intact"]:
            return f"the previous file was damaged ({r['raised']})"
        if r["leftovers"]:
            return f"left behind {r['leftovers']}"
        if r["raised"] is None:
            return "the write under the limit did not fail (case too small)"
        return True

    c.accept(
        api,
        f"write under RLIMIT_FSIZE ({limit or 'the old size + 1'} B) over a previous {name}",
        run,
        check,
        "the write fails, the previous file stays intact and valid, nothing left behind",
        write=True,
        timeout=150,
    )
