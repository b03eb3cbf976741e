"""The cases of the bad-input sweep (``bad_input_sweep.py``), one function per package.

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

import numpy as np
import torch
from torch import nn

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


# ------------------------------------------------------------------------------------------ anyloss


def cases_anyloss(c: Any) -> None:
    import anyloss as al

    z, y = R(8), (torch.arange(8) % 2).float()

    def f(**kw: Any) -> Any:
        args = {"input": z, "target": y, "metric": "f1"} | kw
        return al.anyloss(args.pop("input"), args.pop("target"), args.pop("metric"), **args)

    api = "anyloss.anyloss"
    c.error(api, "target with -1/1 labels", lambda: f(target=y * 2 - 1), r"only 0 and 1")
    c.error(api, "target with a 2", lambda: f(target=y * 2), r"only 0 and 1")
    c.error(
        api,
        "probabilities > 1 with from_logits=False",
        lambda: f(input=z.abs() + 1, from_logits=False),
        "from_logits",
    )
    c.error(api, "input (8, 3) for task='binary'", lambda: f(input=R(8, 3)), r"task='binary'.*shape")
    c.error(api, "target of the wrong length", lambda: f(target=y[:5]), r"target")
    c.error(api, "unknown metric 'f2score'", lambda: f(metric="f2score"), r"unknown metric")
    hp(c, api, f, "L", [0.0, -3.0, NAN, INF, "73"], r"L must")
    hp(c, api, f, "eps", [-1.0, NAN], r"eps must")
    hp(c, api, lambda **k: f(metric="fbeta", **k), "beta", [0.0, -1.0, INF, NAN], r"beta must")
    hp(c, api, f, "reduction", ["batchmean", None], r"reduction must")
    hp(c, api, f, "average", ["weighted"], r"average must")
    hp(c, api, f, "task", ["ranking"], r"task must")
    hp(c, api, f, "strict", ["yes"], r"strict must be a bool")
    hp(c, api, f, "from_logits", ["no"], r"from_logits must be a bool")
    hp(c, api, f, "dataset_size", [2, -1, 2.5], r"dataset_size")
    c.error(api, "weight of the wrong length", lambda: f(weight=torch.ones(3)), r"weight must have shape")
    c.error(api, "weight with a negative entry", lambda: f(weight=-torch.ones(8)), r"weight")
    c.accept(
        api,
        "weight holding NaN",
        lambda: f(weight=with_nan(torch.ones(8))),
        has_nan,
        "NaN propagates (not hidden)",
        match=r"weight",
    )
    c.error(api, "integer input", lambda: f(input=torch.ones(8, dtype=torch.long)), r"floating")
    c.error(api, "input=None", lambda: f(input=None), r"input")
    c.error(api, "target=None", lambda: f(target=None), r"target")
    c.error(api, "input as a list", lambda: f(input=z.tolist()), r"input")
    c.error(api, "empty batch", lambda: f(input=z[:0], target=y[:0]), r"empty")
    c.warn(api, "a batch of size 1", lambda: f(input=z[:1], target=y[:1]), r"batch of size 1")
    c.accept(
        api, "NaN logit", lambda: f(input=with_nan(z)), has_nan, "NaN propagates (not hidden)", match=FINITE
    )
    c.accept(
        api, "NaN target", lambda: f(target=with_nan(y)), has_nan, "", match=r"target|finite|NaN|0 and 1"
    )
    for dt in (torch.float64, torch.float16, torch.bfloat16):
        c.accept(
            api,
            f"input {str(dt)[6:]}",
            lambda dt=dt: f(input=z.to(dt)),
            finite,
            "follows the input dtype",
            match=DTYPE,
        )
    c.error(
        api,
        "metric callable returning > 1",
        lambda: f(metric=lambda tn, fp, fn, tp: tp * 0 + 5.0),
        r"metric callable",
    )
    c.error(api, "target on device meta", lambda: f(target=y.to("meta")), r"target is on device")
    c.error(api, "distributed=True without a process group", lambda: f(distributed=True), r"distributed")
    mc = "anyloss.anyloss(task='multiclass')"
    c.error(
        mc,
        "class index out of range",
        lambda: al.anyloss(R(4, 3), torch.tensor([0, 1, 3, 2]), task="multiclass"),
        r"class indices",
    )
    c.error(
        mc,
        "float class indices",
        lambda: al.anyloss(R(4, 3), torch.tensor([0.0, 1, 2, 1]), task="multiclass"),
        r"integer class",
    )
    c.error(
        mc,
        "negative class index",
        lambda: al.anyloss(R(4, 3), torch.tensor([0, -1, 2, 1]), task="multiclass"),
        r"class indices",
    )
    c.error(
        mc,
        "1-d input",
        lambda: al.anyloss(R(4), torch.tensor([0, 1, 2, 1]), task="multiclass"),
        r"input|shape",
    )
    ml = "anyloss.anyloss(task='multilabel')"
    c.error(
        ml,
        "target of another width",
        lambda: al.anyloss(R(4, 3), torch.ones(4, 2), task="multilabel"),
        r"target of shape",
    )
    mod = "anyloss.AnyLoss"
    hp(c, mod, lambda **k: al.AnyLoss("f1", **k), "task", ["ranking"], r"task must")
    hp(
        c,
        mod,
        lambda **k: al.AnyLoss("f1", task="multiclass", **k),
        "num_classes",
        [1, 0, 2.5],
        r"num_classes",
    )
    hp(c, mod, lambda **k: al.AnyLoss("f1", **k), "compute_dtype", [torch.int32, "float32"], r"compute_dtype")
    hp(c, mod, lambda **k: al.AnyLoss("f1", **k), "validate_args", ["no"], r"validate_args must be a bool")
    hp(c, mod, lambda **k: al.AnyLoss("f1", **k), "L", [-2.0, 0.0], r"L must")
    c.error(mod, "unknown metric", lambda: al.AnyLoss("f3"), r"unknown metric")
    c.error(mod, "unknown keyword", lambda: al.F1Loss(foo=1), r"foo|unexpected")
    hp(c, "anyloss.HybridAnyLoss", lambda **k: al.HybridAnyLoss(**k), "r", [1.5, -0.1, NAN], r"r must")
    c.error(
        "anyloss.HybridAnyLoss",
        "dataset_size",
        lambda: al.HybridAnyLoss("f1", dataset_size=100),
        r"dataset_size",
    )
    for cls in (al.F1Loss, al.MCCLoss, al.BalancedAccuracyLoss, al.HybridAnyLoss):
        name = f"anyloss.{cls.__name__}"
        c.accept(
            name,
            "float64 logits, float32 target",
            lambda cls=cls: cls()(z.double(), y),
            lambda r: r.dtype == torch.float64,
            "float64 loss",
        )
        c.error(name, "target longer than input", lambda cls=cls: cls()(z, torch.ones(9)), r"target")
        c.accept(
            name,
            "(8, 1) input against (8,) target",
            lambda cls=cls: (cls()(z[:, None], y), cls()(z, y)),
            lambda r: bool(torch.equal(r[0], r[1])),
            "the trailing 1 squeezed, no broadcast",
            match=r"shape|input",
        )
    c.error("anyloss.amplify", "L=0", lambda: al.amplify(torch.rand(4), 0.0), r"L")
    c.error("anyloss.weighted_bce", "target length 3", lambda: al.weighted_bce(z, y[:3]), r"target|shape")
    c.error(
        "anyloss.soft_confusion_matrix",
        "unknown task",
        lambda: al.soft_confusion_matrix(z, y, task="x"),
        r"task",
    )
    # the sampler
    labels = np.array([1] * 50 + [0] * 950)
    api = "anyloss.StratifiedBatchSampler"
    S = al.StratifiedBatchSampler
    c.accept(
        api,
        "drop_last=True, min_per_class=5, rare class 5 %",
        lambda: [int(labels[b].sum()) for b in S(labels, batch_size=50, min_per_class=5, drop_last=True)],
        lambda r: len(r) > 0 and min(r) >= 5,
        "every batch keeps min_per_class positives",
    )
    hp(
        c,
        api,
        lambda **k: S(np.zeros(10), **({"batch_size": 2} | k)),
        "batch_size",
        [0, -1, 2.0, "2", None],
        r"batch_size",
    )
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "seed", ["a", 1.5, -1], r"seed")
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "shuffle", ["no"], r"shuffle")
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "drop_last", [1, "yes"], r"drop_last")
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "min_per_class", [-1, 1.0], r"min_per_class")
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "num_replicas", [0, -2], r"num_replicas")
    c.error(api, "rank >= num_replicas", lambda: S(np.zeros(10), 2, num_replicas=2, rank=2), r"rank")
    c.error(api, "labels 2-d", lambda: S(np.zeros((4, 2)), 2), r"labels must be 1-d")
    c.error(api, "labels empty", lambda: S(np.zeros(0), 2), r"labels must not be empty")
    c.error(api, "labels with NaN", lambda: S(np.array([0.0, 1.0, NAN, 1.0]), 2), r"labels must be finite")
    c.error(api, "labels with None", lambda: S([None, 1, None, 1], 2), r"labels")
    c.error(
        api,
        "drop_last with too few samples",
        lambda: S(np.array([0, 1, 0]), 10, drop_last=True),
        r"drop_last",
    )
    c.warn(
        api,
        "min_per_class above the rarest class",
        lambda: S(np.array([1] * 3 + [0] * 97), 10, min_per_class=5),
        r"min_per_class",
    )
    c.error(api, "set_epoch('x')", lambda: S(labels, 10).set_epoch("x"), r"epoch")


# ------------------------------------------------------------------------------------------ darts-core


def _darts_bits() -> tuple[Any, Any, Any, Any]:
    import darts_core as dc

    def tiny(C: int = 4) -> Any:
        torch.manual_seed(0)
        return dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1)

    def net(**kw: Any) -> Any:
        g = dc.Genotype.from_str("|nor_conv_3x3~0|+|none~0|skip_connect~1|")
        return dc.DiscreteNetwork(g, dc.nb_digits_space(), C=4, layers=1, in_channels=1, **kw)

    g = torch.Generator().manual_seed(0)
    batch = (torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g))
    return dc, tiny, net, batch


def cases_darts_core(c: Any) -> None:
    dc, tiny, net, batch = _darts_bits()
    x, y = batch
    B = [batch]
    api = "darts_core.Supernet"
    c.error(api, "layers=2", lambda: dc.Supernet(dc.DARTS_SPACE, layers=2), r"layers")
    hp(
        c,
        api,
        lambda **k: dc.Supernet(dc.nb_digits_space(), **({"layers": 1, "in_channels": 1} | k)),
        "C",
        [0, -4, 2.5],
        r"C",
    )
    hp(
        c,
        api,
        lambda **k: dc.Supernet(dc.nb_digits_space(), **({"layers": 1, "in_channels": 1} | k)),
        "num_classes",
        [0, 1.5],
        r"num_classes",
    )
    hp(
        c,
        api,
        lambda **k: dc.Supernet(dc.nb_digits_space(), **({"layers": 1} | k)),
        "in_channels",
        [0, "1"],
        r"in_channels",
    )
    hp(
        c,
        api,
        lambda **k: dc.Supernet(dc.nb_digits_space(), **({"layers": 1, "in_channels": 1} | k)),
        "alpha_init_std",
        [-1.0, NAN],
        r"alpha_init_std",
    )
    c.error(api, "space given as a string", lambda: dc.Supernet("darts"), r"CellSpace")
    c.error(
        api, "x with 3 channels for in_channels=1", lambda: tiny()(torch.randn(2, 3, 8, 8)), r"in_channels"
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: tiny()(t),
        x,
        shape_match=r"x|in_channels|shape|4-d|\(B",
        nan=False,
        last_dim=False,
    )
    c.accept(
        api + ".forward",
        "an 8x9 image",
        lambda: tiny()(torch.randn(2, 1, 8, 9)),
        lambda r: r.shape == (2, 10),
        "any image size, as conv nets",
    )
    c.error(
        api,
        "weights of the wrong shape (check=True)",
        lambda: tiny()(x, {"normal": torch.full((2, 5), 0.2)}, check=True),
        r"shape",
    )
    c.error(
        api,
        "negative weights (check=True)",
        lambda: tiny()(x, {"normal": torch.tensor([[1.2, -0.2, 0, 0, 0]] * 3)}, check=True),
        r"negative",
    )
    c.error(
        api,
        "weights not summing to 1 (check=True)",
        lambda: tiny()(x, {"normal": torch.full((3, 5), 0.5)}, check=True),
        r"sum to 1",
    )
    c.error(
        api,
        "unknown cell type in weights",
        lambda: tiny()(x, {"reduce": torch.full((3, 5), 0.2)}, check=True),
        r"reduce|normal|cell",
    )
    api = "darts_core.search"
    c.error(api, "epochs=0", lambda: dc.search(tiny(), B, B, 0), r"epochs")
    c.error(api, "empty val_loader", lambda: dc.search(tiny(), B, [], 1), r"val_loader is empty")
    c.error(api, "empty train_loader", lambda: dc.search(tiny(), [], B, 1), r"train_loader")
    c.error(api, "progress=True", lambda: dc.search(tiny(), B, B, 1, progress=True), r"progress")
    for v in (-1.0, 0.0, NAN, "5"):
        c.error(
            api,
            f"grad_clip={v!r}",
            lambda v=v: dc.search(tiny(), B, B, 1, grad_clip=v),
            r"grad_clip must be a number > 0",
        )
    for k, v in [
        ("momentum", 1.0),
        ("momentum", -0.1),
        ("wd", -1e-4),
        ("arch_lr", 0.0),
        ("arch_wd", -1.0),
        ("warmup_epochs", -1),
        ("w_lr", NAN),
        ("w_lr", 0.0),
        ("w_lr_min", -1.0),
        ("order", 3),
    ]:
        c.error(api, f"{k}={v!r}", lambda k=k, v=v: dc.search(tiny(), B, B, 1, **{k: v}), re.escape(k))
    xb = with_nan(x)
    c.error(api, "NaN in the training images", lambda: dc.search(tiny(), [(xb, y)], B, 1), r"non-finite")
    c.error(
        api,
        "inf in the validation images",
        lambda: dc.search(tiny(), B, [(with_nan(x, INF), y)], 1),
        r"non-finite",
    )
    c.error(api, "an empty batch", lambda: dc.search(tiny(), [(x[:0], y[:0])], B, 1), r"empty")
    c.error(
        api,
        "labels out of range (10 classes)",
        lambda: dc.search(tiny(), [(x, y + 10)], B, 1),
        r"label|class|target|y",
    )
    c.error(api, "float64 images", lambda: dc.search(tiny(), [(x.double(), y)], B, 1), DTYPE)
    c.error(
        api,
        "x and y of different lengths",
        lambda: dc.search(tiny(), [(x, y[:3])], B, 1),
        r"length|size|batch|y",
    )
    c.error(
        api,
        "unknown keyword",
        lambda: dc.search(tiny(), B, B, 1, shuffle=True),
        r"unexpected keyword|shuffle",
    )
    api = "darts_core.Architect"
    c.error(api, "hvp='neumann'", lambda: dc.Architect(tiny(), hvp="neumann"), r"hvp")
    c.error(api, "order=3", lambda: dc.Architect(tiny(), order=3), r"order")
    hp(c, api, lambda **k: dc.Architect(tiny(), **k), "arch_lr", [0.0, -1.0, NAN], r"arch_lr")
    hp(c, api, lambda **k: dc.Architect(tiny(), **k), "arch_wd", [-1.0], r"arch_wd")
    hp(c, api, lambda **k: dc.Architect(tiny(), **k), "hvp_radius", [0.0, -0.01], r"hvp_radius")
    hp(c, api, lambda **k: dc.Architect(tiny(), **k), "arch_betas", [(1.5, 0.9), (0.5,)], r"arch_betas|betas")
    c.error(api, "a plain nn.Linear", lambda: dc.Architect(nn.Linear(2, 2)), r"model|Searchable|arch")
    api = "darts_core.train_discrete"
    c.error(api, "a Supernet", lambda: dc.train_discrete(tiny(), B, epochs=1), r"DiscreteNetwork")
    for v in (-1.0, 0.0, NAN):
        c.error(
            api,
            f"grad_clip={v!r}",
            lambda v=v: dc.train_discrete(net(), B, epochs=1, grad_clip=v),
            r"grad_clip must be",
        )
    for k, v in [
        ("drop_path_prob", 1.0),
        ("drop_path_prob", -0.1),
        ("lr", 0.0),
        ("lr_min", -1.0),
        ("momentum", 1.5),
        ("wd", -1.0),
        ("auxiliary_weight", -0.4),
        ("cutout_length", -2),
        ("epochs", 0),
    ]:
        c.error(
            api,
            f"{k}={v!r}",
            lambda k=k, v=v: dc.train_discrete(net(), B, **({"epochs": 1} | {k: v})),
            re.escape(k),
        )
    c.error(
        api,
        "NaN in the training images",
        lambda: dc.train_discrete(net(), [(xb, y)], epochs=1),
        r"non-finite",
    )
    c.error(api, "empty batch", lambda: dc.train_discrete(net(), [(x[:0], y[:0])], epochs=1), r"empty")
    api = "darts_core.DiscreteNetwork"
    c.error(api, "drop_path_prob=1.0", lambda: net(drop_path_prob=1.0), r"drop_path_prob")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: net()(t),
        x,
        shape_match=r"x|in_channels|shape|4-d|\(B",
        nan=False,
        last_dim=False,
    )
    c.error(
        "darts_core.drop_path", "drop_prob=1.0", lambda: dc.drop_path(torch.ones(2, 3), 1.0), r"drop_prob"
    )
    c.error(
        "darts_core.drop_path", "drop_prob=-0.5", lambda: dc.drop_path(torch.ones(2, 3), -0.5), r"drop_prob"
    )
    c.error(
        "darts_core.make_op", "unknown op", lambda: dc.make_op("conv_9x9", 4), r"conv_9x9|registered|unknown"
    )
    c.error("darts_core.make_op", "stride=3", lambda: dc.make_op("none", 4, 3), r"stride")
    c.error("darts_core.make_op", "C=0", lambda: dc.make_op("nor_conv_3x3", 0), r"C")
    c.error(
        "darts_core.nb_digits_space",
        "unknown primitive",
        lambda: dc.nb_digits_space(primitives=("none", "conv_9x9")),
        r"registered ops",
    )
    c.error("darts_core.nb_digits_space", "n_nodes=0", lambda: dc.nb_digits_space(n_nodes=0), r"n_nodes")
    c.error(
        "darts_core.CellSpace",
        "n_inputs=0",
        lambda: dc.CellSpace("s", n_inputs=0, n_nodes=2, primitives=("none", "skip_connect")),
        r"n_inputs",
    )
    c.error(
        "darts_core.CellSpace",
        "empty primitives",
        lambda: dc.CellSpace("s", n_inputs=1, n_nodes=2, primitives=()),
        r"primitives",
    )
    c.error(
        "darts_core.CellSpace",
        "output='sum?'",
        lambda: dc.CellSpace(
            "s", n_inputs=1, n_nodes=2, primitives=("none", "skip_connect"), topk=None, output="max"
        ),
        r"output",
    )
    c.error(
        "darts_core.Genotype.from_str",
        "garbage",
        lambda: dc.Genotype.from_str("nor_conv_3x3"),
        r"genotype|format|parse|Genotype",
    )
    c.error(
        "darts_core.TensorLoader",
        "batch_size=0",
        lambda: dc.TensorLoader(torch.zeros(4, 1), torch.zeros(4), batch_size=0),
        r"batch_size",
    )
    c.error(
        "darts_core.TensorLoader",
        "x and y of different lengths",
        lambda: dc.TensorLoader(torch.zeros(4, 1), torch.zeros(3)),
        r"same length",
    )
    c.error("darts_core.TensorLoader", "x=None", lambda: dc.TensorLoader(None, torch.zeros(3)), r"x")
    c.error("darts_core.cutout", "length=-1", lambda: dc.cutout(x, -1), r"length")
    c.error(
        "darts_core.derive_genotype",
        "topk=0",
        lambda: dc.derive_genotype(tiny().arch_weights(), dc.nb_digits_space(), topk=0),
        r"topk",
    )
    c.error(
        "darts_core.derive_genotype",
        "weights missing a cell",
        lambda: dc.derive_genotype({}, dc.nb_digits_space()),
        r"normal|weights",
    )
    c.warn(
        "darts_core.derive_genotype",
        "NaN weights",
        lambda: dc.derive_genotype({"normal": torch.full((3, 5), NAN)}, dc.nb_digits_space()),
        FINITE,
        match=FINITE,
    )
    nb = None

    def nbd() -> Any:
        nonlocal nb
        nb = nb or dc.NBDigits()
        return nb

    c.error(
        "darts_core.NBDigits.query",
        "genotype not in the space",
        lambda: nbd().query("|sep_conv_3x3~0|+|none~0|none~1|"),
        r"not in the space",
    )
    c.error("darts_core.NBDigits.key", "an int", lambda: nbd().key(3), r"genotype must be")
    c.error("darts_core.NBDigits.key", "two ops", lambda: nbd().key(("none", "none")), r"need 3 ops")
    c.error(
        "darts_core.NBDigits.best",
        "metric='train_acc'",
        lambda: nbd().best("train_acc"),
        r"metric must be one of",
    )
    c.error(
        "darts_core.NBDigits",
        "missing table path",
        lambda: dc.NBDigits("/nonexistent/table.json"),
        r"/nonexistent/table.json",
    )
    # checkpoints
    api = "darts_core.load_checkpoint"

    def ckpt(damage: Callable[[Any], None]) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "search.ckpt")
            dc.search(tiny(), B, B, 1, checkpoint_path=ck)
            damage(ck)
            return dc.search(tiny(), B, B, 2, checkpoint_path=ck, resume=True)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(
        api,
        "truncated checkpoint (resume=True)",
        lambda: ckpt(truncate),
        r"search\.ckpt.*(truncated|corrupt)",
    )
    c.error(
        api,
        "text file as a checkpoint",
        lambda: ckpt(lambda ck: open(ck, "w").write("nope")),
        r"search\.ckpt",
    )
    c.error(
        api,
        "a torch file of another kind",
        lambda: ckpt(lambda ck: torch.save({"state": 1}, ck)),
        r"not a darts-core search checkpoint",
    )

    def other_model() -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "search.ckpt")
            dc.search(tiny(), B, B, 1, checkpoint_path=ck)
            return dc.load_checkpoint(ck, tiny(C=6))

    c.error(api, "checkpoint of another model", other_model, r"does not fit this model")
    c.error(
        api,
        "missing file",
        lambda: dc.load_checkpoint("/nonexistent/x.ckpt", tiny()),
        r"/nonexistent/x\.ckpt",
    )
    failed_write(
        c,
        "darts_core.search(checkpoint_path=...)",
        """
        import torch, darts_core as dc
        def model(C):
            torch.manual_seed(0)
            return dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1)
        B = [(torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,)))]
        def write_old(p):
            dc.search(model(4), B, B, 1, checkpoint_path=p)
        def write_new(p):
            dc.search(model(16), B, B, 1, checkpoint_path=p)
        def valid(p):
            dc.load_checkpoint(p, model(4))
        """,
        name="search.ckpt",
    )


# ------------------------------------------------------------------------------------------ darts-pt


def cases_darts_pt(c: Any) -> None:
    import darts_pt as pt
    from darts_core import CellSpace, TensorLoader

    dc, tiny, _net, _batch = _darts_bits()
    data = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    labels = torch.randint(0, 10, (16,), generator=torch.Generator().manual_seed(1))

    def val(x: torch.Tensor | None = None) -> Any:
        x = data if x is None else x
        return TensorLoader(x, labels[: len(x)], batch_size=8)

    api = "darts_pt.Projector"
    P = lambda **k: pt.Projector(tiny(), val(), **k)  # noqa: E731
    hp(c, api, P, "metric", ["f1", None], r"metric")
    hp(c, api, P, "interval_epochs", [-1, 2.5], r"interval_epochs")
    hp(c, api, P, "final_tune_epochs", [-1], r"final_tune_epochs")
    hp(c, api, P, "edge_order", ["sgas"], r"edge_order")
    hp(c, api, P, "lr_schedule", ["step"], r"lr_schedule")
    hp(c, api, P, "grad_clip", [-5.0, 0.0, NAN], r"grad_clip must be a number > 0")
    hp(c, api, P, "momentum", [1.0, -0.5], r"momentum")
    hp(c, api, P, "weight_decay", [-1e-3], r"weight_decay")
    hp(c, api, P, "arch_lr", [0.0], r"arch_lr")
    hp(c, api, P, "arch_wd", [-1.0], r"arch_wd")
    hp(c, api, P, "finetune_lr", [NAN, 0.0, -1.0], r"finetune_lr")
    hp(c, api, P, "finetune_lr_min", [-0.1], r"finetune_lr_min")
    c.error(
        api, "an empty val_loader", lambda: pt.Projector(tiny(), TensorLoader(data[:0], labels[:0])), r"empty"
    )
    c.error(
        api,
        "train_loader is val_loader (strict)",
        lambda: (lambda v: pt.Projector(tiny(), v, v, strict=True))(val()),
        r"train_loader is val_loader",
    )
    c.warn(api, "train_loader is val_loader", lambda: (lambda v: pt.Projector(tiny(), v, v))(val()), r"leaks")
    c.error(api, "an nn.Linear", lambda: pt.Projector(nn.Linear(2, 2), val()), r"darts_core\.Supernet")
    one_op = CellSpace("one", n_inputs=1, n_nodes=1, primitives=("nor_conv_3x3",), topk=None, exclude=())
    c.error(
        api,
        "a space with one op",
        lambda: pt.Projector(dc.Supernet(one_op, C=4, layers=1, in_channels=1), val()),
        r"at least 2",
    )
    c.error(api, "NaN in val data", lambda: pt.Projector(tiny(), val(with_nan(data))), r"non-finite")
    c.error(
        api, "inf in train data", lambda: pt.Projector(tiny(), val(), val(with_nan(data, INF))), r"non-finite"
    )
    c.error(api, "float64 val data", lambda: pt.Projector(tiny(), val(data.double())).step(), DTYPE)
    c.error(
        api, "unknown keyword", lambda: pt.Projector(tiny(), val(), epochs=3), r"unexpected keyword|epochs"
    )
    api = "darts_pt.perturbation_scores"
    c.error(api, "edge=7", lambda: pt.perturbation_scores(tiny(), val(), 7), r"edge")
    c.error(api, "edge=-1", lambda: pt.perturbation_scores(tiny(), val(), -1), r"edge")
    c.error(
        api,
        "cell_type='reduce'",
        lambda: pt.perturbation_scores(tiny(), val(), 0, cell_type="reduce"),
        r"cell_type",
    )
    c.error(api, "metric='f1'", lambda: pt.perturbation_scores(tiny(), val(), 0, metric="f1"), r"metric")
    c.error(
        api, "bn_mode='fast'", lambda: pt.perturbation_scores(tiny(), val(), 0, bn_mode="fast"), r"bn_mode"
    )
    c.error(
        api,
        "NaN batch",
        lambda: pt.perturbation_scores(tiny(), [(with_nan(data[:8]), labels[:8])], 0),
        r"non-finite",
    )
    c.error(api, "float64 data", lambda: pt.perturbation_scores(tiny(), val(data.double()), 0), DTYPE)
    c.error(api, "empty loader", lambda: pt.perturbation_scores(tiny(), [], 0), r"empty|no batch|loader")
    c.error(
        "darts_pt.evaluate_weights",
        "bn_mode='fast'",
        lambda: (lambda m: pt.evaluate_weights(m, val(), m.arch_weights(), bn_mode="fast"))(tiny()),
        r"bn_mode",
    )
    c.error(
        "darts_pt.evaluate_weights",
        "weights of the wrong shape",
        lambda: pt.evaluate_weights(tiny(), val(), {"normal": torch.full((2, 5), 0.2)}),
        r"shape|weights",
    )
    c.error(
        "darts_pt.evaluate_weights",
        "NaN batch",
        lambda: (lambda m: pt.evaluate_weights(m, [(with_nan(data[:8]), labels[:8])], m.arch_weights()))(
            tiny()
        ),
        r"non-finite",
    )
    api = "darts_pt.mask_op"
    w = torch.softmax(R(3, 5), -1)
    for e in (3, -1, 1.5, "0", None):
        c.error(api, f"edge={e!r}", lambda e=e: pt.mask_op(w, e), r"edge must be")
    for o in (5, -1, 1.5):
        c.error(api, f"op={o!r}", lambda o=o: pt.mask_op(w, 0, o), r"op must be")
    c.error(api, "1-d weights", lambda: pt.mask_op(w[0], 0, 1), r"weights must be a 2-D")
    c.error(api, "weights as a list", lambda: pt.mask_op([[0.5, 0.5]], 0), r"weights must be a tensor")
    c.accept(
        api,
        "last valid indices",
        lambda: pt.mask_op(w, 2, 4),
        lambda r: bool(r[2, 4] == 0) and bool(r[0, 0] == w[0, 0]),
        "masks exactly that op",
    )
    api = "darts_pt.select_op"
    c.error(api, "NaN score", lambda: pt.select_op(torch.tensor([0.1, NAN])), r"scores must be finite")
    c.error(api, "2-d scores", lambda: pt.select_op(torch.zeros(2, 2)), r"scores must be 1-D")
    c.error(api, "empty scores", lambda: pt.select_op(torch.zeros(0)), r"scores")
    c.error(
        api,
        "short tie_break",
        lambda: pt.select_op(torch.tensor([0.1, 0.1, 0.2]), tie_break=torch.tensor([1.0])),
        r"tie_break must have the shape",
    )
    c.error(
        api,
        "NaN tie_break",
        lambda: pt.select_op(torch.tensor([0.1, 0.1]), tie_break=torch.tensor([NAN, 1.0])),
        r"tie_break must be finite",
    )
    c.error(api, "metric='f1'", lambda: pt.select_op(torch.tensor([0.1, 0.2]), "f1"), r"metric")
    c.accept(
        api,
        "scores as a list with ties",
        lambda: pt.select_op([0.2, 0.1, 0.1], tie_break=[0.0, 1.0, 2.0]),
        lambda r: r == 2,
        "picks by tie_break",
    )
    api = "darts_pt.select_topology"
    c.error(
        api,
        "cell_type='reduce'",
        lambda: pt.select_topology(tiny(), val(), 1, cell_type="reduce"),
        r"cell_type must be one of",
    )
    c.error(api, "topk=0", lambda: pt.select_topology(tiny(), val(), 1, topk=0), r"topk must be")
    c.error(api, "node=2 (out of range)", lambda: pt.select_topology(tiny(), val(), 2), r"node must be")
    c.error(api, "node=-1", lambda: pt.select_topology(tiny(), val(), -1), r"node must be")
    c.error(
        api,
        "NaN batch",
        lambda: pt.select_topology(tiny(), [(with_nan(data[:8]), labels[:8])], 1, topk=1),
        r"non-finite",
    )
    c.error(
        "darts_pt.magnitude_genotype",
        "an nn.Linear",
        lambda: pt.magnitude_genotype(nn.Linear(2, 2)),
        r"model|Supernet|arch",
    )


# ------------------------------------------------------------------------------------------ deeponet


def cases_deeponet(c: Any) -> None:
    from deeponet import FNN, MLP, DeepONet, StackedMLP, fit, mse, mse_without_outliers, rel_l2

    u, yq, s = R(5, 4), torch.rand(5, 3, 1), R(5, 3, seed=1)
    data = (u, yq, s)
    net = lambda: DeepONet([4, 8], [1, 8])  # noqa: E731
    api = "deeponet.DeepONet"
    c.error(api, "branch and trunk widths differ", lambda: DeepONet([10, 16, 8], [1, 16, 9]), r"same width p")
    c.error(
        api, "activation='swish-ish'", lambda: DeepONet([4, 8], [1, 8], activation="swish-ish"), r"activation"
    )
    c.error(api, "branch_sizes=[]", lambda: DeepONet([], [1, 8]), r"branch|sizes")
    c.error(api, "a zero width", lambda: DeepONet([4, 0, 8], [1, 8]), r"branch|sizes|width|>= ?1")
    c.error(api, "stacked='yes'", lambda: DeepONet([4, 8], [1, 8], stacked="yes"), r"stacked")
    c.error(
        api,
        "u with 8 sensors for m=10",
        lambda: DeepONet([10, 8], [1, 8])(R(3, 8), torch.rand(3, 1), aligned=False),
        r"sensor values",
    )
    c.error(api, "unaligned without aligned=", lambda: net()(R(3, 4), torch.rand(3, 1)), r"aligned=True")
    c.error(
        api,
        "y with 2 coordinates for d=1",
        lambda: net()(R(3, 4), torch.rand(4, 2)),
        r"coordinates per query point",
    )
    c.error(api, "aligned='yes'", lambda: net()(R(5, 4), torch.rand(7, 1), aligned="yes"), r"aligned must be")
    tensor_inputs(
        c,
        api + ".forward(u)",
        lambda t: net()(t, yq),
        u,
        arg="u",
        shape_match=r"u must be|sensor|\(B",
        empty=False,
    )
    c.accept(
        api + ".forward",
        "empty batch",
        lambda: net()(R(0, 4), torch.rand(0, 3, 1)),
        lambda r: r.shape == (0, 3),
        "an empty answer",
    )
    c.error(api + ".forward", "y=None", lambda: net()(u, None), r"y")
    c.error(api + ".forward", "y float64", lambda: net()(u, yq.double()), DTYPE)
    c.error(
        api + ".forward",
        "u and y with different B",
        lambda: net()(u, torch.rand(4, 3, 1)),
        r"same number of functions|B",
    )
    api = "deeponet.fit"
    F_ = lambda **k: fit(net(), data, **({"iterations": 2} | k))  # noqa: E731
    hp(c, api, F_, "iterations", [0, -1, 2.5], r"iterations must be")
    hp(c, api, F_, "lr", [0.0, -1.0, NAN], r"lr must be")
    hp(c, api, F_, "batch_size", [0, -1, 2.5, True], r"batch_size must be >= 1")
    hp(c, api, F_, "log_every", [0], r"log_every")
    hp(c, api, F_, "seed", [1.5, "0"], r"seed")
    hp(c, api, F_, "progress", [True], r"progress must be None or a callable")
    c.error(
        api,
        "train with mismatched B",
        lambda: fit(net(), (R(3, 4), yq, s), iterations=1),
        r"train: expected u|B",
    )
    c.error(api, "s of the wrong shape", lambda: fit(net(), (u, yq, R(5, 4)), iterations=1), r"s|shape")
    c.error(
        api, "empty training set", lambda: fit(net(), (u[:0], yq[:0], s[:0]), iterations=2), r"train is empty"
    )
    c.error(
        api, "no query points", lambda: fit(net(), (u, yq[:, :0], s[:, :0]), iterations=2), r"train is empty"
    )
    c.error(
        api,
        "empty validation set",
        lambda: fit(net(), data, (u[:0], yq[:0], s[:0]), iterations=2),
        r"val is empty",
    )
    c.error(api, "NaN in u", lambda: fit(net(), (with_nan(u), yq, s), iterations=1), r"NaN")
    c.error(
        api, "inf in s", lambda: fit(net(), (u, yq, with_nan(s, INF)), iterations=1), r"s contains NaN or inf"
    )
    c.error(api, "NaN in y", lambda: fit(net(), (u, with_nan(yq), s), iterations=1), r"y contains NaN|NaN")
    c.error(
        api, "NaN in val", lambda: fit(net(), data, (u, yq, with_nan(s)), iterations=1), r"val: s contains"
    )
    c.error(
        api, "float64 data", lambda: fit(net(), (u.double(), yq.double(), s.double()), iterations=1), DTYPE
    )
    c.error(api, "train as a dict", lambda: fit(net(), {"u": u}, iterations=1), r"train")
    c.error(
        api, "unknown keyword", lambda: fit(net(), data, iterations=1, shuffle=True), r"unexpected keyword"
    )
    c.error(
        api, "model an nn.Linear", lambda: fit(nn.Linear(4, 3), data, iterations=1), r"model|DeepONet|FNN"
    )
    for name, m in (("mse", mse), ("rel_l2", rel_l2), ("mse_without_outliers", mse_without_outliers)):
        api = f"deeponet.{name}"
        c.error(api, "(8, 1) against (8,)", lambda m=m: m(R(8, 1), R(8)), r"same shape")
        c.error(api, "empty", lambda m=m: m(R(0, 3), R(0, 3)), r"empty")
        c.error(
            api, "target as a list", lambda m=m: m(R(3), [1.0, 2.0, 3.0]), r"target must be a torch.Tensor"
        )
        c.accept(
            api,
            "NaN prediction",
            lambda m=m: m(with_nan(R(8)), R(8)),
            lambda r: r != r,
            "NaN (not hidden)",
            match=FINITE,
        )
    for frac in (1.5, 1.0, -0.1, NAN):
        c.error(
            "deeponet.mse_without_outliers",
            f"frac={frac!r}",
            lambda frac=frac: mse_without_outliers(R(8), R(8), frac=frac),
            r"frac",
        )
    c.error(
        "deeponet.FNN",
        "x with 10 features for 11",
        lambda: FNN([11, 8, 1])(R(2, 10), torch.rand(2, 3, 2)),
        r"features",
    )
    c.error("deeponet.FNN", "u 1-d", lambda: FNN([5, 8, 1])(R(4), torch.rand(1)), r"u must be")
    c.error(
        "deeponet.FNN",
        "different B",
        lambda: FNN([5, 8, 1])(R(4, 4), torch.rand(3, 2, 1)),
        r"same number of functions",
    )
    c.error("deeponet.FNN", "float64", lambda: FNN([5, 8, 1])(u.double(), yq.double()), DTYPE)
    tensor_inputs(
        c, "deeponet.MLP.forward", lambda t: MLP([4, 8])(t), u, shape_match=r"x must be|x|shape", leading=True
    )
    c.error("deeponet.MLP", "sizes=[4]", lambda: MLP([4]), r"sizes")
    c.error(
        "deeponet.StackedMLP",
        "x of the wrong width",
        lambda: StackedMLP(4, [8], 3)(R(2, 5)),
        r"x must be \(B, 4\)",
    )
    c.error("deeponet.StackedMLP", "p=0", lambda: StackedMLP(4, [8], 0), r"p")


# ------------------------------------------------------------------------------------------ gradboost-nn


def cases_gradboost_nn(c: Any) -> None:
    from sklearn.datasets import make_classification

    from gradboost_nn import GBNNClassifier, GBNNRegressor, fit_shallow_net

    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, random_state=0)
    small = dict(n_steps=4, units_per_step=2, max_iter=20, random_state=0)
    for Est in (GBNNClassifier, GBNNRegressor):
        api = f"gradboost_nn.{Est.__name__}.fit"
        for k, v in [
            ("n_steps", 0),
            ("units_per_step", 0),
            ("subsample", 0.0),
            ("subsample", 1.5),
            ("learning_rate", 0.0),
            ("learning_rate", -1.0),
            ("max_iter", 0),
            ("activation", "gelu"),
            ("solver", "sgd"),
            ("dtype", "float16"),
            ("alpha", -1.0),
            ("validation_fraction", 1.5),
            ("n_iter_no_change", 0),
            ("n_steps", 2.5),
            ("batch_size", 0),
        ]:
            c.error(
                api,
                f"{k}={v!r}",
                lambda Est=Est, k=k, v=v: Est(**(small | {k: v})).fit(X, y),
                rf"'{k}' parameter|{k}",
            )
        Xn = X.copy()
        Xn[0, 0] = np.nan
        c.error(api, "NaN in X", lambda Est=Est: Est(**small).fit(Xn, y), r"NaN")
        Xi = X.copy()
        Xi[0, 0] = np.inf
        c.error(api, "inf in X", lambda Est=Est: Est(**small).fit(Xi, y), r"infinity|inf")
        c.error(
            api,
            "y of another length",
            lambda Est=Est: Est(**small).fit(X, y[:-1]),
            r"inconsistent numbers of samples|length",
        )
        c.error(api, "X 1-d", lambda Est=Est: Est(**small).fit(X[:, 0], y), r"2D array|Expected 2D")
        c.error(api, "X empty", lambda Est=Est: Est(**small).fit(X[:0], y[:0]), r"0 sample|empty|minimum")
        c.error(
            api,
            "X as strings",
            lambda Est=Est: Est(**small).fit(np.full(X.shape, "a"), y),
            r"string|convert|numeric",
        )
        c.error(
            api,
            "too few samples for subsample",
            lambda Est=Est: Est(**small).fit(X[:3], y[:3]),
            r"subsample|at least",
        )
        c.error(
            api,
            "device='cuda' without CUDA" if not torch.cuda.is_available() else "device='tpu'",
            lambda Est=Est: Est(device="cuda" if not torch.cuda.is_available() else "tpu", **small).fit(X, y),
            r"CUDA|device",
        )
        api = f"gradboost_nn.{Est.__name__}.predict"
        c.error(api, "before fit", lambda Est=Est: Est().predict(X), r"not fitted")
        fitted: dict[str, Any] = {}

        def fitted_est(Est: Any = Est) -> Any:
            if Est not in fitted:
                fitted[Est] = Est(**small).fit(X, y)
            return fitted[Est]

        c.error(api, "3 features for 5", lambda f=fitted_est: f().predict(X[:, :3]), r"features")
        c.error(
            api, "n_steps beyond the fit", lambda f=fitted_est: f().predict(X, n_steps=9), r"n_steps must be"
        )
        c.error(
            api,
            "n_units not a multiple",
            lambda f=fitted_est: f().predict(X, n_units=3),
            r"multiple of units_per_step",
        )
        c.error(
            api, "n_steps and n_units", lambda f=fitted_est: f().predict(X, n_steps=2, n_units=4), r"not both"
        )
        c.error(api, "NaN in X", lambda f=fitted_est: f().predict(Xn), r"NaN")
        c.accept(
            api,
            "empty X",
            lambda f=fitted_est: f().predict(X[:0]),
            lambda r: len(r) == 0,
            "an empty answer",
            match=r"0 sample|empty|minimum",
        )
        c.error(api, "n_steps=-1", lambda f=fitted_est: f().predict(X, n_steps=-1), r"n_steps")
    api = "gradboost_nn.GBNNClassifier.fit"
    c.error(api, "one class", lambda: GBNNClassifier(**small).fit(X, np.zeros(len(X))), r"at least 2 classes")
    c.error(
        api,
        "continuous y",
        lambda: GBNNClassifier(**small).fit(X, np.linspace(0, 1, len(X))),
        r"Unknown label type",
    )
    c.error(
        api,
        "early stopping without validation samples",
        lambda: GBNNClassifier(early_stopping=True, validation_fraction=0.9, **small).fit(
            X[[int(np.argmax(y == 0)), int(np.argmax(y == 1))]], np.array([0, 1])
        ),
        r"early_stopping",
    )
    c.error(
        "gradboost_nn.GBNNRegressor.fit",
        "NaN in y",
        lambda: GBNNRegressor(**small).fit(X, np.where(np.arange(60) == 3, np.nan, y)),
        r"NaN",
    )
    api = "gradboost_nn.fit_shallow_net"
    Xt, Rt = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, 1, dtype=torch.float64)
    gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    c.error(
        api,
        "activation='gelu'",
        lambda: fit_shallow_net(Xt, Rt, n_units=2, activation="gelu", generator=gen()),
        r"activation must be",
    )
    c.error(
        api,
        "solver='sgd'",
        lambda: fit_shallow_net(Xt, Rt, n_units=2, solver="sgd", generator=gen()),
        r"solver",
    )
    c.error(api, "n_units=0", lambda: fit_shallow_net(Xt, Rt, n_units=0, generator=gen()), r"n_units")
    c.error(
        api,
        "R of another length",
        lambda: fit_shallow_net(Xt, Rt[:5], n_units=2, generator=gen()),
        r"R|rows|samples|shape",
    )
    c.error(api, "NaN in R", lambda: fit_shallow_net(Xt, with_nan(Rt), n_units=2, generator=gen()), FINITE)


# ------------------------------------------------------------------------------------------ gradient-noise


def cases_gradient_noise(c: Any) -> None:
    import gradient_noise as gn
    from gradient_noise.functional import add_gradient_noise_

    def sgd() -> Any:
        return torch.optim.SGD([nn.Parameter(torch.zeros(3))], lr=0.1)

    api = "gradient_noise.GradientNoise"
    G = lambda **k: gn.GradientNoise(sgd(), **k)  # noqa: E731
    hp(c, api, G, "eta", [-0.1, NAN, INF, "0.1"], r"eta must be")
    hp(c, api, G, "gamma", [0.0, -0.5, NAN], r"gamma must be")
    hp(c, api, G, "order", ["sideways"], r"order must be")
    hp(c, api, G, "schedule", ["cosine", 3], r"schedule must be")
    hp(c, api, G, "clip_norm", [-1.0, 0.0, NAN], r"clip_norm")
    hp(c, api, G, "seed", ["0", 1.5], r"seed must be")
    c.error(
        api, "generator and seed", lambda: G(seed=1, generator=torch.Generator()), r"either generator or seed"
    )
    c.error(api, "a module", lambda: gn.GradientNoise(nn.Linear(2, 2)), r"torch.optim.Optimizer")
    c.error(
        api,
        "a parameter list",
        lambda: gn.GradientNoise(list(nn.Linear(2, 2).parameters())),
        r"torch.optim.Optimizer",
    )
    c.error(
        api, "wrapped twice", lambda: gn.GradientNoise(gn.GradientNoise(sgd())), r"already a GradientNoise"
    )
    c.error(api, "generator='cuda'", lambda: G(generator="cuda"), r"generator")

    def nan_grad_step() -> Any:
        p = nn.Parameter(torch.zeros(3))
        opt = gn.GradientNoise(torch.optim.SGD([p], lr=0.1), seed=0)
        p.grad = torch.tensor([NAN, 0.0, 0.0])
        opt.step()
        return p

    c.accept(
        api + ".step",
        "a NaN gradient",
        nan_grad_step,
        lambda p: bool(torch.isnan(p).any()),
        "NaN propagates as in the plain optimiser",
        match=FINITE,
        warn=FINITE,
    )

    def step_no_grad() -> Any:
        p = nn.Parameter(torch.zeros(3))
        opt = gn.GradientNoise(torch.optim.SGD([p], lr=0.1), seed=0)
        opt.step()
        return p

    c.accept(
        api + ".step",
        "a parameter without grad",
        step_no_grad,
        lambda p: bool((p == 0).all()),
        "left alone, as torch optimisers do",
    )
    hook = "gradient_noise.register_gradient_noise_hook"
    c.error(
        hook,
        "a module",
        lambda: gn.register_gradient_noise_hook(nn.Linear(2, 2), eta=0.3),
        r"optimizer must be a torch.optim.Optimizer",
    )
    H = lambda **k: gn.register_gradient_noise_hook(sgd(), **k)  # noqa: E731
    hp(c, hook, H, "eta", [-1.0, NAN], r"eta must be")
    hp(c, hook, H, "gamma", [0.0], r"gamma must be")
    hp(c, hook, H, "order", ["x"], r"order must be")
    fn = "gradient_noise.add_gradient_noise_"

    def p_with_grad() -> Any:
        p = nn.Parameter(torch.zeros(3))
        p.grad = torch.zeros(3)
        return p

    c.error(fn, "std=-1", lambda: add_gradient_noise_([p_with_grad()], -1.0), r"std must be")
    c.error(fn, "std=nan", lambda: add_gradient_noise_([p_with_grad()], NAN), r"std must be")
    c.error(fn, "std='1'", lambda: add_gradient_noise_([p_with_grad()], "1"), r"std")
    c.error(
        fn,
        "a float in the parameter list",
        lambda: add_gradient_noise_([3.0], 1.0),
        r"parameters must be tensors",
    )
    c.error(fn, "parameters=None", lambda: add_gradient_noise_(None, 1.0), r"parameters")

    def sparse() -> Any:
        q = nn.Parameter(torch.zeros(3, 3))
        q.grad = torch.zeros(3, 3).to_sparse()
        add_gradient_noise_([q], 1.0)

    c.error(fn, "a sparse gradient", sparse, r"sparse")

    def no_grad() -> Any:
        p = nn.Parameter(torch.zeros(3))
        add_gradient_noise_([p], 1.0)
        return p

    c.accept(fn, "a parameter without grad", no_grad, lambda p: p.grad is None, "skipped")

    def half_grad() -> Any:
        p = nn.Parameter(torch.zeros(3, dtype=torch.float16))
        p.grad = torch.zeros(3, dtype=torch.float16)
        add_gradient_noise_([p], 1.0, torch.Generator().manual_seed(0))
        return p.grad

    c.accept(
        fn,
        "a float16 gradient",
        half_grad,
        lambda g: g.dtype == torch.float16 and finite(g) and bool(g.abs().sum() > 0),
        "noise in float16",
    )
    for t in (-1, 1.5, "3", NAN):
        c.error("gradient_noise.annealed_std", f"t={t!r}", lambda t=t: gn.annealed_std(t), r"t must be")
    c.error("gradient_noise.annealed_std", "eta=-1", lambda: gn.annealed_std(1, eta=-1.0), r"eta")
    c.error(
        "gradient_noise.annealed_variance", "gamma=0", lambda: gn.annealed_variance(1, gamma=0.0), r"gamma"
    )
    c.error("gradient_noise.AnnealedSchedule", "gamma=-1", lambda: gn.AnnealedSchedule(gamma=-1.0), r"gamma")
    c.error("gradient_noise.AnnealedSchedule", "gamma='x'", lambda: gn.AnnealedSchedule(gamma="x"), r"gamma")


# ------------------------------------------------------------------------------------------ layernorm


def cases_layernorm(c: Any) -> None:
    import layernorm as ln

    x = R(5, 2, 3)
    for cls in (ln.LayerNormLSTM, ln.LayerNormGRU, ln.LayerNormRNN):
        api = f"layernorm.{cls.__name__}"
        hp(
            c,
            api,
            lambda cls=cls, **k: cls(**({"input_size": 3, "hidden_size": 8} | k)),
            "input_size",
            [0, -1, 2.5, "3"],
            r"input_size",
        )
        hp(
            c,
            api,
            lambda cls=cls, **k: cls(**({"input_size": 3, "hidden_size": 8} | k)),
            "hidden_size",
            [1, 0, 8.0],
            r"hidden_size",
        )
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "num_layers", [0, 1.5], r"num_layers")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "dropout", [1.0, -0.1, NAN], r"dropout")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "eps", [0.0, -1e-5], r"eps")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "impl", ["cuda-graphs"], r"impl")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "batch_first", ["yes"], r"batch_first")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "bidirectional", ["no"], r"bidirectional")
        c.error(api, "unknown option foo=1", lambda cls=cls: cls(3, 8, foo=1), r"unknown option")
        tensor_inputs(
            c,
            api + ".forward",
            lambda t, cls=cls: cls(3, 8)(t),
            x,
            shape_match=r"input_size|2-d|3-d|dim|shape",
            drop_rank=False,
            empty=False,
        )
        c.error(api + ".forward", "no time steps", lambda cls=cls: cls(3, 8)(R(0, 2, 3)), r"no time steps")
        c.accept(
            api + ".forward",
            "empty batch",
            lambda cls=cls: cls(3, 8)(R(5, 0, 3)),
            lambda r: first(r).shape == (5, 0, 8),
            "an empty answer",
        )
        c.error(
            api + ".forward",
            "h_0 float64",
            lambda cls=cls: (
                cls(3, 8)(x, torch.zeros(1, 2, 8, dtype=torch.float64))
                if cls is not ln.LayerNormLSTM
                else cls(3, 8)(x, (torch.zeros(1, 2, 8, dtype=torch.float64),) * 2)
            ),
            r"h_0|dtype",
        )
        c.error(
            api + ".forward",
            "h_0 of the wrong batch",
            lambda cls=cls: (
                cls(3, 8)(x, torch.zeros(1, 3, 8))
                if cls is not ln.LayerNormLSTM
                else cls(3, 8)(x, (torch.zeros(1, 3, 8), torch.zeros(1, 2, 8)))
            ),
            r"h_0 must have shape",
        )
    c.error(
        "layernorm.LayerNormLSTM", "proj_size=2", lambda: ln.LayerNormLSTM(3, 8, proj_size=2), r"proj_size"
    )
    c.error(
        "layernorm.LayerNormGRU",
        "an LSTM-only option",
        lambda: ln.LayerNormGRU(3, 8, norm_cell=False),
        r"unknown option",
    )
    c.warn("layernorm.LayerNormGRU", "hidden_size=4 (small)", lambda: ln.LayerNormGRU(3, 4), r"small")
    c.warn(
        "layernorm.LayerNormLSTM",
        "dropout=0.5 with one layer",
        lambda: ln.LayerNormLSTM(3, 8, dropout=0.5),
        r"dropout",
    )
    c.error(
        "layernorm.LayerNormLSTM.forward",
        "lengths longer than the input",
        lambda: ln.LayerNormLSTM(3, 8)(x, lengths=torch.tensor([6, 2])),
        r"lengths",
    )
    c.error(
        "layernorm.LayerNormLSTM.forward",
        "lengths of zero",
        lambda: ln.LayerNormLSTM(3, 8)(x, lengths=torch.tensor([0, 2])),
        r"lengths",
    )
    for cls in (ln.LayerNormLSTMCell, ln.LayerNormGRUCell, ln.LayerNormRNNCell):
        api = f"layernorm.{cls.__name__}"
        hp(
            c,
            api,
            lambda cls=cls, **k: cls(**({"input_size": 3, "hidden_size": 8} | k)),
            "input_size",
            [0],
            r"input_size",
        )
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "init", ["xavier"], r"init")
        c.error(api, "unknown keyword", lambda cls=cls: cls(3, 8, foo=1), r"unexpected keyword|foo")
        tensor_inputs(
            c,
            api + ".forward",
            lambda t, cls=cls: cls(3, 8)(t),
            R(2, 3),
            shape_match=r"input_size|dim|shape",
            leading=True,
        )
    c.error(
        "layernorm.LayerNormLSTMCell",
        "grouping='half'",
        lambda: ln.LayerNormLSTMCell(3, 8, grouping="half"),
        r"grouping",
    )
    c.error(
        "layernorm.LayerNormRNNCell",
        "nonlinearity='gelu'",
        lambda: ln.LayerNormRNNCell(3, 8, nonlinearity="gelu"),
        r"nonlinearity",
    )
    c.error(
        "layernorm.LayerNormRNNCell",
        "norm='joint'",
        lambda: ln.LayerNormRNNCell(3, 8, norm="joint"),
        r"norm must be one of",
    )
    c.error(
        "layernorm.LayerNormRNNCell.forward",
        "hx float64",
        lambda: ln.LayerNormRNNCell(3, 8)(R(2, 3), torch.zeros(2, 8, dtype=torch.float64)),
        r"hx dtype",
    )
    api = "layernorm.LayerNorm"
    hp(
        c,
        api,
        lambda **k: ln.LayerNorm(**({"normalized_size": 8} | k)),
        "normalized_size",
        [0, -1, 2.5],
        r"normalized_size",
    )
    hp(c, api, lambda **k: ln.LayerNorm(8, **k), "eps", [-1.0, NAN], r"eps")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: ln.LayerNorm(8)(t),
        R(2, 8),
        shape_match=r"last dimension must be 8",
        leading=True,
    )
    c.error(
        api + ".forward",
        "a 0-d tensor",
        lambda: ln.LayerNorm(8)(torch.tensor(1.0)),
        r"last dimension must be 8",
    )
    c.accept(
        api + ".forward",
        "elementwise_affine=False, float64",
        lambda: ln.LayerNorm(8, elementwise_affine=False)(R(2, 8, dtype=torch.float64)),
        lambda r: r.dtype == torch.float64,
        "follows the input dtype",
    )
    c.error(
        "layernorm.from_torch",
        "an nn.Linear",
        lambda: ln.from_torch(nn.Linear(3, 8)),
        r"nn.LSTM, nn.GRU or nn.RNN",
    )
    c.error(
        "layernorm.from_torch",
        "unknown option",
        lambda: ln.from_torch(nn.LSTM(3, 8), foo=1),
        r"unknown option",
    )
    c.error(
        "layernorm.from_torch",
        "an LSTM with proj_size",
        lambda: ln.from_torch(nn.LSTM(3, 8, proj_size=2)),
        r"proj_size",
    )
    c.error(
        "layernorm.layer_norm_reference",
        "gain of the wrong size",
        lambda: ln.layer_norm_reference(R(2, 8), torch.ones(7), None),
        r"gain|shape|size",
    )


# ------------------------------------------------------------------------------------------ lssl


def cases_lssl(c: Any) -> None:
    import lssl
    from lssl.discretize import discretize

    api = "lssl.LSSL"
    L = lambda **k: lssl.LSSL(**({"d_model": 3, "d_state": 4} | k))  # noqa: E731
    hp(c, api, L, "d_model", [0, 3.5, "3"], r"d_model")
    hp(c, api, L, "d_state", [0, -1, 2.5], r"d_state")
    hp(c, api, L, "channels", [0], r"channels")
    hp(c, api, L, "dt_min", [0.0, -1.0, NAN], r"dt_min")
    hp(c, api, L, "measure", ["fourier"], r"measure must be one of")
    hp(c, api, L, "learn_A", ["yes"], r"learn_A must be one of")
    hp(c, api, L, "discretization", ["rk4"], r"discretization must be one of")
    hp(c, api, L, "alpha", [1.5, -0.5, NAN], r"alpha")
    hp(c, api, L, "activation", ["swish"], r"activation")
    hp(c, api, L, "postact", ["swiglu"], r"postact")
    hp(c, api, L, "dropout", [1.0, -0.1], r"dropout")
    hp(c, api, L, "dt_init", ["log"], r"dt_init")
    hp(c, api, L, "init_C", ["zeros"], r"init_C")
    c.error(api, "dt_max < dt_min", lambda: L(dt_min=0.1, dt_max=0.01), r"dt_max")
    c.error(
        api,
        "learn_A='shared' with measure='random'",
        lambda: L(measure="random", learn_A="shared"),
        r"learn_A must be 'fixed'",
    )
    c.error(api, "unknown keyword", lambda: L(foo=1), r"unexpected keyword")
    u = R(2, 16, 3)
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: lssl.LSSL(d_model=3, d_state=4)(t),
        u,
        arg="u",
        shape_match=r"\(batch, length, d_model=3\)",
        empty=False,
    )
    c.error(
        api + ".forward", "(batch, H, L) layout", lambda: L()(R(2, 3, 10)), r"\(batch, length, d_model=3\)"
    )
    c.error(
        api + ".forward", "state of the wrong shape", lambda: L()(u, torch.zeros(2, 3, 5)), r"state must be"
    )
    c.error(
        api + ".forward",
        "state float64",
        lambda: L()(u, torch.zeros(2, 3, 4, dtype=torch.float64)),
        r"state dtype",
    )
    c.error(api + ".forward", "mode='scan'", lambda: L()(u, mode="scan"), r"mode must be one of")
    c.error(api + ".forward", "rate=0", lambda: L()(u, rate=0.0), r"rate must be > 0")
    c.error(api + ".forward", "rate=nan", lambda: L()(u, rate=NAN), r"rate")
    for mode in ("conv", "recurrent"):
        c.accept(
            api + ".forward",
            f"empty batch (mode={mode})",
            lambda mode=mode: L()(R(0, 16, 3), mode=mode),
            lambda r: first(r).shape == (0, 16, 3),
            "an empty answer",
        )
    c.error(api + ".forward", "length 0", lambda: L()(R(2, 0, 3)), r"length")
    c.error(
        api + ".step",
        "u_t float64",
        lambda: (lambda m: m.step(R(2, 3, dtype=torch.float64), m.default_state(2)))(L()),
        r"u_t dtype",
    )
    c.error(
        api + ".step",
        "u_t of the wrong width",
        lambda: (lambda m: m.step(R(2, 4), m.default_state(2)))(L()),
        r"u_t|d_model|shape",
    )

    def stale() -> Any:
        torch.manual_seed(0)
        layer = lssl.LSSL(d_model=3, d_state=8, learn_dt=True).eval()
        with torch.no_grad():
            layer(u)
            layer.log_dt.data.mul_(2.0)
            return layer(u)[0], layer(u, mode="recurrent")[0]

    c.accept(
        api,
        "in-place .data edit of log_dt in eval mode",
        stale,
        lambda r: torch.allclose(r[0], r[1], atol=1e-4),
        "the kernel follows the edit",
    )
    api = "lssl.S4DLayer"
    hp(c, api, lambda **k: lssl.S4DLayer(**({"d_model": 3, "d_state": 4} | k)), "d_state", [5, 0], r"d_state")
    hp(c, api, lambda **k: lssl.S4DLayer(**({"d_model": 3, "d_state": 4} | k)), "dt_min", [0.0], r"dt_min")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: lssl.S4DLayer(d_model=3, d_state=4)(t),
        u,
        arg="u",
        shape_match=r"d_model=3|u must",
    )
    c.error(
        api + ".forward",
        "length 0",
        lambda: lssl.S4DLayer(d_model=3, d_state=4)(R(2, 0, 3)),
        r"u must have length >= 1",
    )
    c.error(
        api + ".forward",
        "a state",
        lambda: lssl.S4DLayer(d_model=3, d_state=4)(u, torch.zeros(2, 3, 4)),
        r"state must be None",
    )
    api = "lssl.DeepLSSL"
    D = lambda **k: lssl.DeepLSSL(**({"d_input": 2, "d_model": 4, "n_layers": 1, "d_state": 4} | k))  # noqa: E731
    hp(c, api, D, "pool", ["max"], r"pool must be one of")
    hp(c, api, D, "n_layers", [0, -1], r"n_layers")
    hp(c, api, D, "d_output", [0], r"d_output")
    hp(c, api, D, "dropout", [1.5], r"dropout")
    tensor_inputs(
        c, api + ".forward", lambda t: D()(t), R(3, 7, 2), shape_match=r"\(batch, length, d_input=2\)"
    )
    c.error(api + ".forward", "mode='scan'", lambda: D()(R(3, 7, 2), mode="scan"), r"mode must be one of")
    c.error(api + ".forward", "unknown keyword", lambda: D()(R(3, 7, 2), foo=1), r"unexpected keyword")
    c.error(
        "lssl.DeepS4D.forward",
        "mode='recurrent'",
        lambda: lssl.DeepS4D(d_input=2, d_model=4, n_layers=1, d_state=4)(R(3, 7, 2), mode="recurrent"),
        r"mode='recurrent' needs LSSL",
    )
    api = "lssl.GRUClassifier"
    hp(c, api, lambda **k: lssl.GRUClassifier(**({"d_input": 2} | k)), "d_hidden", [0], r"d_hidden")
    hp(c, api, lambda **k: lssl.GRUClassifier(**({"d_input": 2} | k)), "pool", ["max"], r"pool")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: lssl.GRUClassifier(d_input=2, d_hidden=4)(t),
        R(3, 7, 2),
        shape_match=r"x must be \(batch, length, d_input=2\)",
    )
    c.error(
        api + ".forward",
        "rate=2",
        lambda: lssl.GRUClassifier(d_input=2, d_hidden=4)(R(3, 7, 2), rate=2.0),
        r"rate must be 1.0",
    )
    api = "lssl.hippo"
    c.error(api, "N=0", lambda: lssl.hippo("legs", 0), r"N")
    c.error(api, "N=2.0", lambda: lssl.hippo("legs", 2.0), r"N")
    c.error(api, "measure='fourier'", lambda: lssl.hippo("fourier", 4), r"measure must be one of")
    c.error(api, "beta=-1 (lagt)", lambda: lssl.hippo("lagt", 4, beta=-1.0), r"beta")
    A, Bm = lssl.hippo("legs", 3)
    api = "lssl.discretize"
    c.error(api, "method='rk4'", lambda: discretize(A, Bm, 0.1, "rk4"), r"method must be one of")
    c.error(api, "a non-square A", lambda: discretize(A[:2], Bm, 0.1), r"square")
    c.error(
        api,
        "a singular system (zoh)",
        lambda: discretize(torch.zeros(3, 3, dtype=torch.float64), Bm, 0.1, "zoh"),
        r"invertible",
    )
    c.error(api, "dt=0", lambda: discretize(A, Bm, 0.0), r"dt")
    c.error(api, "dt=-0.1", lambda: discretize(A, Bm, -0.1), r"dt")
    c.error(api, "alpha=2 (gbt)", lambda: discretize(A, Bm, 0.1, "gbt", alpha=2.0), r"alpha")
    c.error(api, "B of the wrong length", lambda: discretize(A, Bm[:2], 0.1), r"B|shape")
    api = "lssl.krylov"
    c.error(api, "L=0", lambda: lssl.krylov(0, A, Bm), r"L")
    c.error(api, "L=-1", lambda: lssl.krylov(-1, A, Bm), r"L")
    c.error(api, "b of the wrong length", lambda: lssl.krylov(4, A, Bm[:2]), r"b|shape")
    api = "lssl.causal_conv"
    c.accept(
        api,
        "empty batch",
        lambda: lssl.causal_conv(R(0, 3, 16), R(3, 16)),
        lambda r: r.shape == (0, 3, 16),
        "an empty answer",
    )
    c.error(
        api, "kernel of another H", lambda: lssl.causal_conv(R(2, 3, 16), R(4, 16)), r"k|H|shape|channels"
    )
    c.accept(
        api,
        "u 2-d (broadcast, as documented)",
        lambda: (lssl.causal_conv(R(3, 16), R(3, 16)), lssl.causal_conv(R(3, 16)[None], R(3, 16))[0]),
        lambda r: torch.allclose(r[0], r[1]),
        "same as with a batch dim",
    )
    c.error("lssl.param_groups", "lr=-1", lambda: lssl.param_groups(L(), -1.0), r"lr")
    c.error("lssl.random_transition", "N=0", lambda: lssl.random_transition(0), r"N")


# ------------------------------------------------------------------------------------------ noprop


def cases_noprop(c: Any) -> None:
    import noprop

    def small_dt(T: int = 2, **kw: Any) -> Any:
        torch.manual_seed(0)
        return noprop.NoPropDT(
            num_classes=4,
            T=T,
            block_factory=lambda: noprop.DenoiseBlockMLP(6, 4, 4, hidden=8, dropout=0.0),
            **kw,
        )

    g = torch.Generator().manual_seed(0)
    y = torch.arange(16) % 4
    x = torch.randn(16, 6, generator=g) * 0.3 + torch.nn.functional.one_hot(y, 6).float() * 2
    yb = torch.arange(12) % 3
    xb = torch.randn(12, 5, generator=g) * 0.3 + torch.nn.functional.one_hot(yb, 5).float() * 2
    api = "noprop.NoPropDT"
    hp(c, api, lambda **k: small_dt(**k), "T", [0, -1, 2.5], r"T must be")
    hp(c, api, lambda **k: small_dt(**k), "eta", [0.0, -1.0, NAN], r"eta must be")
    hp(c, api, lambda **k: small_dt(**k), "abar_max", [1.0, 0.0, 1.5], r"abar_max")
    c.error(
        api,
        "num_classes=1",
        lambda: noprop.NoPropDT(
            num_classes=1, T=2, block_factory=lambda: noprop.DenoiseBlockMLP(6, 1, 1, hidden=8)
        ),
        r"num_classes",
    )
    c.error(
        api,
        "neither blocks nor block_factory",
        lambda: noprop.NoPropDT(num_classes=4, T=2),
        r"blocks|block_factory",
    )
    c.error(
        api,
        "blocks of the wrong count",
        lambda: noprop.NoPropDT(num_classes=4, T=3, blocks=[noprop.DenoiseBlockMLP(6, 4, 4, hidden=8)]),
        r"blocks|T",
    )
    m = small_dt(T=3)
    c.error(
        api + ".block_loss",
        "labels out of range",
        lambda: m.block_loss(x[:8], torch.tensor([0, 1, 2, 7, 0, 1, 2, 3]), 1),
        r"\[0, 4\)",
    )
    c.error(
        api + ".block_loss",
        "float labels",
        lambda: m.block_loss(x[:8], y[:8].float(), 1),
        r"integer class ids",
    )
    c.error(api + ".block_loss", "t=0", lambda: m.block_loss(x[:8], y[:8], 0), r"t must be an int in 1..3")
    c.error(
        api + ".block_loss",
        "x of the wrong width",
        lambda: m.block_loss(R(8, 5), y[:8], 1),
        r"x must have shape \(batch, 6\)",
    )
    c.error(api + ".block_loss", "one sample", lambda: m.block_loss(x[:1], y[:1], 1), r"at least 2 samples")
    c.warn(api + ".predict", "before any training", lambda: small_dt().predict(x), r"not been trained")
    F_ = lambda **k: small_dt().fit(x, y, **({"batch_size": 8} | k))  # noqa: E731
    hp(c, api + ".fit", F_, "grad_clip", [-1.0, 0.0, NAN, "1.0"], r"grad_clip must be None or a number > 0")
    hp(c, api + ".fit", F_, "epochs", [-1, 1.5], r"epochs")
    hp(c, api + ".fit", F_, "batch_size", [0, 1, -4], r"batch_size")
    hp(c, api + ".fit", F_, "order", ["shuffled", [1, 1]], r"order")
    hp(c, api + ".fit", F_, "seed", ["0"], r"seed")
    c.error(
        api + ".fit",
        "NaN in x",
        lambda: small_dt().fit(with_nan(x), y, batch_size=8),
        r"x holds non-finite values.*check_finite=False",
    )
    c.error(
        api + ".fit", "inf in x", lambda: small_dt().fit(with_nan(x, INF), y, batch_size=8), r"non-finite"
    )
    c.error(api + ".fit", "empty x", lambda: small_dt().fit(x[:0], y[:0]), r"at least 2 samples")
    c.error(api + ".fit", "y 2-d", lambda: small_dt().fit(x, y[:, None]), r"y must be 1-d")
    c.error(api + ".fit", "y of another length", lambda: small_dt().fit(x, y[:10]), r"y|length|samples")
    c.error(api + ".fit", "labels out of range", lambda: small_dt().fit(x, y + 4), r"\[0, 4\)")
    c.error(
        api + ".fit", "unknown keyword", lambda: small_dt().fit(x, y, shuffle=True), r"unexpected keyword"
    )
    for dt in (torch.float64, torch.float16):
        c.accept(
            api + ".fit",
            f"x {str(dt)[6:]}",
            lambda dt=dt: small_dt().fit(x.to(dt), y, batch_size=8),
            lambda r: True,
            "",
            match=DTYPE,
        )
    c.accept(
        api + ".fit",
        "NaN in x with check_finite=False",
        lambda: small_dt().fit(with_nan(x), y, batch_size=8, check_finite=False).predict_proba(x),
        has_nan,
        "the caller's choice (opt-out)",
    )
    fitted = small_dt().fit(x, y, batch_size=8)
    tensor_inputs(
        c,
        api + ".predict",
        lambda t: fitted.predict_proba(t),
        x,
        shape_match=r"x must have shape \(batch, 6\)",
    )
    c.error(
        api + ".train_block",
        "inf in x",
        lambda: small_dt().train_block(1, x.masked_fill(x > 1.5, INF), y, batch_size=8),
        r"non-finite",
    )
    c.error(api + ".train_block", "t=5", lambda: small_dt().train_block(5, x, y, batch_size=8), r"t must be")
    api = "noprop.NoPropCT"
    blk = lambda: noprop.TimeBlockMLP(5, 3, 3, hidden=8)  # noqa: E731
    hp(
        c,
        api,
        lambda **k: noprop.NoPropCT(block=blk(), num_classes=3, **k),
        "n_steps",
        [0, -2, 1.5],
        r"n_steps",
    )
    hp(c, api, lambda **k: noprop.NoPropCT(block=blk(), num_classes=3, **k), "eta", [-1.0, NAN], r"eta")
    c.error(
        api + ".loss",
        "labels + 3",
        lambda: noprop.NoPropCT(block=blk(), num_classes=3).loss(xb, yb + 3),
        r"\[0, 3\)",
    )
    c.warn(
        api + ".predict",
        "before any training",
        lambda: noprop.NoPropCT(block=blk(), num_classes=3).predict(xb, n_steps=2),
        r"not been trained",
    )
    c.error(
        api + ".fit",
        "NaN in x",
        lambda: noprop.NoPropCT(block=blk(), num_classes=3, n_steps=2).fit(with_nan(xb), yb, batch_size=6),
        r"non-finite",
    )
    for v in (-1.0, 0.0):
        c.error(
            api + ".fit",
            f"grad_clip={v}",
            lambda v=v: noprop.NoPropCT(block=blk(), num_classes=3, n_steps=2).fit(
                xb, yb, batch_size=6, grad_clip=v
            ),
            r"grad_clip",
        )
    c.error(
        api + ".forward",
        "n_steps=0",
        lambda: noprop.NoPropCT(block=blk(), num_classes=3)(xb, n_steps=0),
        r"n_steps",
    )
    api = "noprop.NoPropFM"
    fm = lambda **k: noprop.NoPropFM(
        block=noprop.TimeBlockMLP(5, 3, 3, hidden=8, out_features=3), num_classes=3, **({"n_steps": 2} | k)
    )  # noqa: E731
    hp(c, api, fm, "ce_weight", [-1.0, NAN], r"ce_weight")
    hp(c, api, fm, "n_steps", [0], r"n_steps")
    c.error(api + ".fit", "NaN in x", lambda: fm().fit(with_nan(xb), yb, batch_size=6), r"non-finite")
    api = "noprop.BackpropClassifier"
    bp = lambda: noprop.BackpropClassifier(noprop.BackpropMLP(5, 3, hidden=(8,)), num_classes=3)  # noqa: E731
    c.error(api + ".fit", "NaN in x", lambda: bp().fit(with_nan(xb), yb, batch_size=6), r"non-finite")
    c.error(api + ".fit", "x float64", lambda: bp().fit(xb.double(), yb, batch_size=6), DTYPE)
    api = "noprop.LabelEmbedding"
    c.error(
        api, "prototype without prototypes", lambda: noprop.LabelEmbedding(4, mode="prototype"), r"prototypes"
    )
    c.error(
        api,
        "prototypes of the wrong shape",
        lambda: noprop.LabelEmbedding(4, mode="prototype", dim=3, prototypes=R(5, 3)),
        r"shape \(4, 3\)",
    )
    c.error(api, "dim=0", lambda: noprop.LabelEmbedding(4, mode="learned", dim=0), r"dim >= 1")
    c.error(api, "mode='random'", lambda: noprop.LabelEmbedding(4, mode="random"), r"mode must be one of")
    c.error(api, "num_classes=0", lambda: noprop.LabelEmbedding(0), r"num_classes")
    c.error(
        api + ".forward",
        "label 4 of 4",
        lambda: noprop.LabelEmbedding(4)(torch.tensor([0, 4])),
        r"\[0, 4\)|label|class",
    )
    api = "noprop.DenoiseBlockCNN"
    c.error(
        api,
        "channels-last input",
        lambda: noprop.DenoiseBlockCNN(3, 4, 4, 8)(R(2, 8, 8, 3), R(2, 4)),
        r"\(batch, 3, 8, 8\)",
    )
    c.error(
        api,
        "x float64",
        lambda: noprop.DenoiseBlockCNN(1, 4, 4, 8, hidden=8)(R(2, 1, 8, 8, dtype=torch.float64), R(2, 4)),
        r"x dtype",
    )
    c.error(
        "noprop.DenoiseBlockMLP",
        "z float64",
        lambda: noprop.DenoiseBlockMLP(6, 4, 4, hidden=8)(x, R(16, 4, dtype=torch.float64)),
        r"z dtype",
    )
    c.error(
        "noprop.DenoiseBlockMLP",
        "z of the wrong width",
        lambda: noprop.DenoiseBlockMLP(6, 4, 4, hidden=8)(x, R(16, 5)),
        r"z|shape|embed",
    )
    c.error(
        "noprop.DenoiseBlockMLP",
        "dropout=1.5",
        lambda: noprop.DenoiseBlockMLP(6, 4, 4, dropout=1.5),
        r"dropout",
    )
    api = "noprop.cosine_alpha_bar"
    c.error(api, "T=0", lambda: noprop.cosine_alpha_bar(0), r"T must be >= 1")
    c.error(api, "abar_max=1", lambda: noprop.cosine_alpha_bar(5, abar_max=1.0), r"abar_max")
    c.error(api, "abar_max=0", lambda: noprop.cosine_alpha_bar(5, abar_max=0.0), r"abar_max")
    c.error(api, "s=-1", lambda: noprop.cosine_alpha_bar(5, s=-1.0), r"\bs\b")
    c.error(
        "noprop.DiscreteSchedule",
        "not increasing",
        lambda: noprop.DiscreteSchedule(torch.tensor([0.0, 0.5, 0.4])),
        r"strictly increasing",
    )
    c.error(
        "noprop.DiscreteSchedule",
        "NaN",
        lambda: noprop.DiscreteSchedule(torch.tensor([0.1, NAN, 0.9])),
        r"abar|finite|NaN|increasing",
    )
    c.error(
        "noprop.DiscreteSchedule",
        "values above 1",
        lambda: noprop.DiscreteSchedule(torch.tensor([0.1, 0.5, 1.5])),
        r"abar|\(0, 1\)|in \[",
    )
    c.error(
        "noprop.DiscreteSchedule.posterior",
        "t=4 of 3",
        lambda: noprop.DiscreteSchedule.cosine(3).posterior(4),
        r"t must be in 1..3",
    )
    c.error(
        "noprop.LearnableSchedule",
        "gamma0 > gamma1",
        lambda: noprop.LearnableSchedule(gamma0=1.0, gamma1=0.0),
        r"gamma0",
    )
    c.error(
        "noprop.sinusoidal_embedding", "dim=0", lambda: noprop.sinusoidal_embedding(torch.rand(3), 0), r"dim"
    )
    c.error(
        "noprop.sinusoidal_embedding",
        "odd dim",
        lambda: noprop.sinusoidal_embedding(torch.rand(3), 5),
        r"dim",
    )
    c.error(
        "noprop.medoid_prototypes",
        "a class without samples",
        lambda: noprop.medoid_prototypes(x, y % 2, 4),
        r"class|samples",
    )


# ------------------------------------------------------------------------------------------ pde-data


def cases_pde_data(c: Any) -> None:
    import pde_data
    from pde_data.burgers import solve_burgers_1d
    from pde_data.darcy import solve_darcy_2d
    from pde_data.diffusion_reaction import solve_diffusion_reaction
    from pde_data.navier_stokes import solve_navier_stokes_2d

    u0 = np.zeros(16)
    api = "pde_data.solve_burgers_1d"
    hp(c, api, lambda **k: solve_burgers_1d(u0, **k), "nu", [0.0, -1.0, NAN], r"nu must be")
    hp(c, api, lambda **k: solve_burgers_1d(u0, **k), "dt", [-1e-3, 0.0], r"dt must be > 0")
    hp(c, api, lambda **k: solve_burgers_1d(u0, **k), "t_final", [-1.0, NAN], r"t_final must be")
    hp(c, api, lambda **k: solve_burgers_1d(u0, **k), "n_records", [0, -1], r"n_records")
    c.error(api, "odd grid", lambda: solve_burgers_1d(np.zeros(15)), r"even")
    c.accept(
        api,
        "2-d u0 (a batch)",
        lambda: (
            solve_burgers_1d(np.ones((2, 16)), t_final=0.01),
            solve_burgers_1d(np.ones(16), t_final=0.01),
        ),
        lambda r: np.allclose(r[0][1], r[1]),
        "solved per row",
    )
    c.error(api, "NaN in u0", lambda: solve_burgers_1d(with_nan(torch.zeros(16)).numpy()), FINITE)
    c.error(api, "u0 as strings", lambda: solve_burgers_1d(np.array(["a"] * 16)), r"u0|float|number")
    api = "pde_data.solve_darcy_2d"
    c.error(api, "zero coefficient", lambda: solve_darcy_2d(np.zeros((5, 5))), r"strictly positive")
    c.error(api, "2x2 grid", lambda: solve_darcy_2d(np.ones((2, 2))), r"at least 3 nodes")
    c.error(api, "grid='cell'", lambda: solve_darcy_2d(np.ones((5, 5)), grid="cell"), r"grid must be one of")
    c.error(api, "non-square", lambda: solve_darcy_2d(np.ones((5, 6))), r"square")
    c.error(
        api,
        "NaN coefficient",
        lambda: solve_darcy_2d(np.where(np.eye(5) > 0, np.nan, 1.0)),
        FINITE + r"|positive",
    )
    c.error(api, "f of the wrong shape", lambda: solve_darcy_2d(np.ones((5, 5)), np.ones((4, 4))), r"f|shape")
    c.accept(
        api,
        "3-d a (a batch)",
        lambda: (solve_darcy_2d(np.ones((2, 5, 5))), solve_darcy_2d(np.ones((5, 5)))),
        lambda r: np.allclose(r[0][1], r[1]),
        "solved per field",
    )
    api = "pde_data.solve_navier_stokes_2d"
    w0 = np.zeros((16, 16))
    hp(
        c,
        api,
        lambda **k: solve_navier_stokes_2d(w0, **({"t_final": 1.0} | k)),
        "nu",
        [-1e-3, 0.0],
        r"nu must be > 0",
    )
    c.error(api, "odd grid", lambda: solve_navier_stokes_2d(np.zeros((15, 15))), r"n even and >= 8")
    c.error(api, "6x6 grid", lambda: solve_navier_stokes_2d(np.zeros((6, 6))), r"n even and >= 8")
    c.error(
        api,
        "t_final not a multiple of record_every",
        lambda: solve_navier_stokes_2d(w0, t_final=1.5, record_every=1.0),
        r"multiple of record_every",
    )
    c.error(api, "scheme='rk3'", lambda: solve_navier_stokes_2d(w0, scheme="rk3"), r"scheme must be one of")
    c.error(api, "backend='jax'", lambda: solve_navier_stokes_2d(w0, backend="jax"), r"backend")
    c.error(api, "cfl=0", lambda: solve_navier_stokes_2d(w0, cfl=0.0), r"cfl")
    c.error(api, "dt=-0.1", lambda: solve_navier_stokes_2d(w0, dt=-0.1), r"dt")
    c.error(
        api,
        "forcing='none?'",
        lambda: solve_navier_stokes_2d(w0, forcing="kolmogorov", t_final=1.0),
        r"forcing",
    )
    api = "pde_data.antiderivative"
    xs = np.linspace(0, 1, 10)
    c.error(
        api,
        "query outside the domain",
        lambda: pde_data.antiderivative(xs, np.ones((1, 10)), [1.5]),
        r"query points y must lie in",
    )
    c.error(
        api,
        "values of another length",
        lambda: pde_data.antiderivative(xs, np.ones((1, 9)), [0.5]),
        r"values must have shape",
    )
    c.error(
        api,
        "x not increasing",
        lambda: pde_data.antiderivative(xs[::-1], np.ones((1, 10)), [0.5]),
        r"x|increasing|sorted",
    )
    c.error(
        "pde_data.nonlinear_ode",
        "values of another length",
        lambda: pde_data.nonlinear_ode(xs, np.ones((1, 9)), [0.5]),
        r"values must have shape",
    )
    c.error(
        "pde_data.nonlinear_ode",
        "substeps=0",
        lambda: pde_data.nonlinear_ode(xs, np.ones((1, 10)), [0.5], substeps=0),
        r"substeps",
    )
    c.error(
        "pde_data.pendulum",
        "substeps=0",
        lambda: pde_data.pendulum(xs, np.ones((1, 10)), [0.5], substeps=0),
        r"substeps",
    )
    api = "pde_data.solve_diffusion_reaction"
    c.error(api, "D=0", lambda: solve_diffusion_reaction(np.ones(10), D=0.0, nx=10), r"D must be > 0")
    c.error(
        api,
        "source of the wrong length",
        lambda: solve_diffusion_reaction(np.ones(11), nx=10),
        r"source must have shape",
    )
    c.error(api, "nt=0", lambda: solve_diffusion_reaction(np.ones(10), nx=10, nt=0), r"nt")
    c.error(api, "nx=1", lambda: solve_diffusion_reaction(np.ones(1), nx=1), r"nx")
    api = "pde_data (random fields)"
    c.error(
        api,
        "periodic_grf alpha <= dim/2",
        lambda: pde_data.periodic_grf(1, 16, dim=2, alpha=1.0, tau=3.0),
        r"alpha must be > dim/2",
    )
    c.error(api, "neumann_grf_2d tau<0", lambda: pde_data.neumann_grf_2d(1, 16, tau=-1.0), r"tau must be > 0")
    c.error(api, "RBFGRF length_scale=0", lambda: pde_data.RBFGRF(length_scale=0.0), r"length_scale")
    c.error(api, "RBFGRF kernel='cosine'", lambda: pde_data.RBFGRF(kernel="cosine"), r"kernel")
    c.error(api, "RBFGRF method='svd?'", lambda: pde_data.RBFGRF(method="lu"), r"method")
    c.error(api, "RBFGRF domain reversed", lambda: pde_data.RBFGRF(domain=(1.0, 0.0)), r"domain")
    c.error(api, "periodic_grf n=2.5", lambda: pde_data.periodic_grf(2.5, 16), r"n must be an int")
    c.error(api, "periodic_grf n=0", lambda: pde_data.periodic_grf(0, 16), r"n must be")
    c.error(api, "periodic_grf max_mode=8", lambda: pde_data.periodic_grf(1, 16, max_mode=8), r"max_mode")
    c.accept(
        api,
        "periodic_grf dim=3",
        lambda: pde_data.periodic_grf(2, 8, dim=3, alpha=2.0),
        lambda r: r.shape == (2, 8, 8, 8) and np.isfinite(r).all(),
        "a 3-d field",
    )
    c.error(api, "periodic_grf seed=-1", lambda: pde_data.periodic_grf(1, 16, seed=-1), r"seed")
    c.error(api, "rbf_grf_1d n_grid=1", lambda: pde_data.rbf_grf_1d(1, n_grid=1), r"n_grid")
    c.error(
        api,
        "piecewise_constant NaN",
        lambda: pde_data.piecewise_constant(np.array([[NAN, 1.0]])),
        FINITE + r"|field",
    )
    api = "pde_data.generate"
    c.error(
        api,
        "unknown dataset 'darcy'",
        lambda: pde_data.generate("darcy", 2),
        r"unknown dataset or preset 'darcy'.*darcy_2d",
    )
    c.error(
        api, "unknown parameter", lambda: pde_data.generate("darcy_2d", 2, resolution=8), r"unknown parameter"
    )
    c.error(api, "n=0", lambda: pde_data.generate("darcy_2d", 0), r"n must be >= 1")
    c.error(
        api,
        "n_train > n",
        lambda: pde_data.generate("darcy_2d", 2, size=5, n_train=3),
        r"n_train must be <= n",
    )
    c.error(
        api,
        "dtype='float16'",
        lambda: pde_data.generate("darcy_2d", 1, size=5, dtype="float16", cache=False),
        r"dtype",
    )
    c.error(api, "seed=-1", lambda: pde_data.generate("darcy_2d", 1, size=5, seed=-1, cache=False), r"seed")
    c.error(
        api, "start=-1", lambda: pde_data.generate("darcy_2d", 1, size=5, start=-1, cache=False), r"start"
    )
    c.error(
        api,
        "progress=True",
        lambda: pde_data.generate("darcy_2d", 1, size=5, cache=False, progress=True),
        r"progress must be None or a callable",
    )
    c.warn(
        api,
        "n_jobs=10000",
        lambda: pde_data.generate("darcy_2d", 1, size=5, n_jobs=10_000, cache=False),
        r"n_jobs",
    )
    c.error(
        api, "n_jobs=0", lambda: pde_data.generate("darcy_2d", 1, size=5, n_jobs=0, cache=False), r"n_jobs"
    )
    c.error(
        api, "size=2 (darcy)", lambda: pde_data.generate("darcy_2d", 1, size=2, cache=False), r"size|at least"
    )

    def corrupt_cache() -> Any:
        with tempfile.TemporaryDirectory() as d:
            old = os.environ.get("PDE_DATA_CACHE")
            os.environ["PDE_DATA_CACHE"] = d
            try:
                ref = pde_data.generate("darcy_2d", 1, size=5)
                for f in os.listdir(d):
                    if f.endswith(".npz"):
                        p = os.path.join(d, f)
                        open(p, "wb").write(open(p, "rb").read()[:100])
                again = pde_data.generate("darcy_2d", 1, size=5)
                return np.array_equal(ref.inputs, again.inputs) and np.array_equal(ref.targets, again.targets)
            finally:
                if old is None:
                    os.environ.pop("PDE_DATA_CACHE")
                else:
                    os.environ["PDE_DATA_CACHE"] = old

    c.warn(
        api,
        "a truncated cache entry",
        corrupt_cache,
        r"unreadable.*regenerating",
        check=lambda r: r is True,
        check_doc="regenerated",
    )
    c.error(
        "pde_data.operator_samples",
        "a field dataset",
        lambda: pde_data.operator_samples("darcy_2d", 2),
        r"operator_samples supports the DeepONet operators",
    )
    c.error(
        "pde_data.make_config",
        "unknown parameter m",
        lambda: pde_data.make_config("burgers_1d", m=10),
        r"unknown parameter.*'m'",
    )
    c.error(
        "pde_data.PDEDataset.load",
        "missing file",
        lambda: pde_data.PDEDataset.load("/nonexistent/x.npz"),
        r"/nonexistent/x\.npz|No such file",
    )

    def load_text() -> Any:
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "x.npz")
            open(p, "w").write("not a dataset")
            return pde_data.PDEDataset.load(p)

    c.error("pde_data.PDEDataset.load", "a text file", load_text, r"x\.npz")
    c.error(
        "pde_data.PDEDataset",
        "subsample(r=0)",
        lambda: pde_data.generate("darcy_2d", 1, size=5, cache=False).subsample(0),
        r"\br\b|subsample",
    )
    failed_write(
        c,
        "pde_data.PDEDataset.save",
        """
        import numpy as np, pde_data
        def write_old(p):
            pde_data.generate("darcy_2d", 1, size=5, cache=False).save(p)
        def write_new(p):
            pde_data.generate("darcy_2d", 4, size=9, cache=False).save(p)
        def valid(p):
            pde_data.PDEDataset.load(p)
        """,
        name="data.npz",
        limit=1500,
        keep=r"data\.json",
    )
    failed_write(
        c,
        "pde_data.generate(cache=True)",
        """
        import numpy as np, warnings, pde_data
        from pde_data.cache import cache_dir
        def write_old(p):
            pde_data.generate("darcy_2d", 1, size=5).save(p)
        def write_new(p):
            pde_data.generate("darcy_2d", 4, size=9)  # a new cache entry, written under the limit
        def valid(p):
            pde_data.PDEDataset.load(p)
            for f in cache_dir().glob("darcy_2d-*.npz"):
                pde_data.PDEDataset.load(f)  # every entry left in the cache is whole
        """,
        name="data.npz",
        limit=1500,
        keep=r"data\.json|darcy_2d-\w+\.(npz|json)",
    )


# ------------------------------------------------------------------------------------------ regneuralde


def cases_regneuralde(c: Any) -> None:
    from regneuralde import (
        BrownianPath,
        ExponentialLambda,
        NeuralODE,
        NeuralSDE,
        TimeConcatMLP,
        combined_regularizer,
        error_regularizer,
        solve_ivp,
        solve_sde,
        stiffness_regularizer,
    )

    D = torch.float64
    f = lambda t, z: -z  # noqa: E731
    z0 = torch.ones(2, dtype=D)
    api = "regneuralde.solve_ivp"
    S = lambda **k: solve_ivp(f, z0, (0.0, 1.0), **k)  # noqa: E731
    hp(c, api, S, "rtol", [0.0, -1.0, NAN], r"rtol must be > 0")
    hp(c, api, S, "atol", [-1.0, NAN], r"atol must be >= 0")
    hp(c, api, S, "method", ["euler", None], r"method must be")
    hp(c, api, S, "controller", ["pid"], r"controller must be")
    hp(c, api, S, "dense", ["cubic"], r"dense must be one of")
    hp(c, api, S, "max_steps", [0, -1, 2.5], r"max_steps")
    hp(c, api, S, "first_step", [0.0, -0.1, NAN], r"first_step")
    hp(c, api, S, "stiffness_norm", ["l1"], r"stiffness_norm")
    c.error(api, "t_eval decreasing", lambda: solve_ivp(f, z0, (1.0, 0.0)), r"strictly increasing")
    c.error(api, "t_eval with one point", lambda: solve_ivp(f, z0, [0.0]), r"t_eval|two|at least")
    c.error(api, "t_eval with NaN", lambda: solve_ivp(f, z0, [0.0, NAN]), r"t_eval|finite|increasing")
    c.error(api, "t_eval 2-d", lambda: solve_ivp(f, z0, torch.zeros(2, 2, dtype=D)), r"t_eval")
    c.error(
        api,
        "f returns another shape",
        lambda: solve_ivp(lambda t, z: z[:1], z0, (0.0, 1.0)),
        r"like the state",
    )
    c.error(api, "f returns NaN", lambda: solve_ivp(lambda t, z: z * NAN, z0, (0.0, 1.0)), r"non-finite")
    c.error(api, "f returns None", lambda: solve_ivp(lambda t, z: None, z0, (0.0, 1.0)), r"f|tensor|returned")
    c.error(
        api,
        "stiff with max_steps=5",
        lambda: solve_ivp(lambda t, z: -1000 * z, z0, (0.0, 10.0), rtol=1e-10, atol=1e-10, max_steps=5),
        r"max_steps",
    )
    c.error(
        api, "z0 int64", lambda: solve_ivp(f, torch.ones(2, dtype=torch.long), (0.0, 1.0)), r"floating-point"
    )
    c.error(
        api,
        "z0 empty",
        lambda: solve_ivp(f, torch.ones(0, 3, dtype=D), (0.0, 1.0)),
        r"z0 must hold at least one value",
    )
    c.error(
        api,
        "z0 holding NaN",
        lambda: solve_ivp(f, with_nan(torch.ones(4, dtype=D)), (0.0, 1.0)),
        r"z0|non-finite|NaN",
    )
    c.error(api, "z0=None", lambda: solve_ivp(f, None, (0.0, 1.0)), r"z0")
    c.warn(
        api, "float32 at rtol=1e-8", lambda: solve_ivp(f, torch.ones(2), (0.0, 1.0), rtol=1e-8), r"float32"
    )
    c.accept(
        api,
        "float32 at the default tolerance",
        lambda: solve_ivp(f, torch.ones(2), (0.0, 1.0))[0],
        lambda r: r.dtype == torch.float32 and abs(float(r[-1, 0]) - float(np.exp(-1))) < 1e-4,
        "float32, accurate",
    )
    c.accept(
        api,
        "t_eval as a list",
        lambda: solve_ivp(f, z0, [0.0, 0.5, 1.0])[0],
        lambda r: r.shape == (3, 2) and abs(float(r[-1, 0]) - float(np.exp(-1))) < 1e-5,
        "solution at the points",
    )

    def tight() -> Any:
        g = lambda t, z: torch.stack([z[1], -torch.sin(z[0])])  # noqa: E731
        ref, _ = solve_ivp(
            g, torch.tensor([1.0, 0.0], dtype=D), torch.linspace(0, 5, 17, dtype=D), rtol=1e-12, atol=1e-12
        )
        got, _ = solve_ivp(
            g, torch.tensor([1.0, 0.0], dtype=D), torch.linspace(0, 5, 17, dtype=D), rtol=1e-8, atol=1e-8
        )
        return float((got - ref).abs().max())

    c.accept(
        api,
        "rtol=1e-8 at output times (pendulum)",
        tight,
        lambda e: e < 1e-6,
        "error at output times near the tolerance",
    )
    api = "regneuralde.NeuralODE"
    N = lambda **k: NeuralODE(nn.Linear(2, 2), **k)  # noqa: E731
    hp(c, api, N, "regularize", ["taylor"], r"regularize")
    hp(c, api, N, "t_span", [(1.0, 0.0), (0.0,)], r"t_span")
    hp(c, api, N, "steer_b", [2.0, -0.1], r"steer_b")
    hp(c, api, N, "rtol", [0.0], r"rtol")
    hp(c, api, N, "method", ["rk4"], r"method")
    hp(c, api, N, "reduction", ["median"], r"reduction")
    c.accept(
        api,
        "func a plain function",
        lambda: NeuralODE(lambda t, z: -z)(torch.ones(2, 2))[0],
        lambda r: abs(float(r[-1, 0]) - float(np.exp(-1))) < 1e-4,
        "solved like a module",
        match=r"func",
    )
    node = lambda: NeuralODE(TimeConcatMLP(3, 8), regularize="error").double()  # noqa: E731
    c.error(
        api + ".forward",
        "empty batch",
        lambda: node()(torch.ones(0, 3, dtype=D)),
        r"z0 must hold at least one value",
    )
    c.error(
        api + ".forward",
        "z0 of the wrong width",
        lambda: node()(torch.ones(2, 4, dtype=D)),
        r"z0|shape|size|4",
    )
    c.accept(
        api + ".forward",
        "z0 float32 into a float64 module",
        lambda: node()(torch.ones(2, 3)),
        lambda r: True,
        "",
        match=DTYPE,
    )
    c.error(
        api + ".forward",
        "t_eval decreasing",
        lambda: node()(torch.ones(2, 3, dtype=D), torch.tensor([1.0, 0.0], dtype=D)),
        r"increasing",
    )
    api = "regneuralde.solve_sde"
    drift, diff = (lambda t, z: -z), (lambda t, z: 0.1 * z)
    SS = lambda **k: solve_sde(drift, diff, z0, (0.0, 1.0), **k)  # noqa: E731
    hp(c, api, SS, "rtol", [0, -1.0], r"rtol must be > 0")
    hp(c, api, SS, "atol", [-1.0], r"atol")
    hp(c, api, SS, "dt", [0.0, -0.1], r"dt")
    hp(c, api, SS, "max_steps", [0], r"max_steps")
    c.accept(
        api,
        "adaptive=False without dt",
        lambda: SS(adaptive=False)[1],
        lambda st: st.n_accepted == 100,
        "the documented default dt = (t1 - t0) / 100",
    )
    c.error(api, "t_eval decreasing", lambda: solve_sde(drift, diff, z0, (1.0, 0.0)), r"strictly increasing")
    c.error(
        api,
        "non-diagonal noise",
        lambda: solve_sde(drift, lambda t, z: z[:1], z0, (0.0, 1.0)),
        r"diagonal noise",
    )
    c.error(
        api, "drift returns NaN", lambda: solve_sde(lambda t, z: z * NAN, diff, z0, (0.0, 1.0)), r"non-finite"
    )
    c.error(api, "max_steps=5", lambda: SS(adaptive=False, dt=0.01, max_steps=5), r"max_steps")
    c.error(api, "Brownian path of another shape", lambda: SS(bm=BrownianPath(0.0, (3,))), r"bm has shape")
    c.error(
        api,
        "z0 int64",
        lambda: solve_sde(drift, diff, torch.ones(2, dtype=torch.long), (0.0, 1.0)),
        r"floating-point",
    )
    c.error(
        api,
        "empty z0",
        lambda: solve_sde(drift, diff, torch.ones(0, 2, dtype=D), (0.0, 1.0)),
        r"z0 must hold at least one value",
    )
    c.error(
        api,
        "bm and generator",
        lambda: SS(bm=BrownianPath(0.0, (2,)), generator=torch.Generator()),
        r"bm|generator",
    )
    c.error(
        "regneuralde.BrownianPath", "query before t0", lambda: BrownianPath(1.0, (2,))(0.5), r"t|t0|before"
    )
    c.error(
        "regneuralde.BrownianPath",
        "an int dtype",
        lambda: BrownianPath(0.0, (2,), dtype=torch.long),
        r"dtype|floating",
    )
    c.error(
        "regneuralde.NeuralSDE",
        "regularize='stiffness'",
        lambda: NeuralSDE(nn.Identity(), nn.Identity(), regularize="stiffness"),
        r"regularize",
    )
    c.error(
        "regneuralde.NeuralSDE", "rtol=0", lambda: NeuralSDE(nn.Identity(), nn.Identity(), rtol=0.0), r"rtol"
    )
    api = "regneuralde (regularizers)"
    c.error(
        api,
        "ExponentialLambda lam0=0",
        lambda: ExponentialLambda(0.0, 10.0, 100),
        r"lam0 and lam1 must be > 0",
    )
    c.error(
        api, "ExponentialLambda total=0", lambda: ExponentialLambda(100.0, 10.0, 0), r"total must be >= 1"
    )
    c.error(api, "ExponentialLambda step=-1", lambda: ExponentialLambda(100.0, 10.0, 10)(-1), r"step")
    c.error(api, "ExponentialLambda lam0=nan", lambda: ExponentialLambda(NAN, 10.0, 10), r"lam0")
    _, stats = solve_ivp(f, z0, (0.0, 1.0))
    c.error(
        api,
        "error_regularizer reduction='median'",
        lambda: error_regularizer(stats, "median"),
        r"reduction must be one of",
    )
    c.error(
        api,
        "stiffness_regularizer reduction='median'",
        lambda: stiffness_regularizer(stats, "median"),
        r"reduction",
    )
    c.error(
        api,
        "combined_regularizer stiff_weight=-1",
        lambda: combined_regularizer(stats, -1.0),
        r"stiff_weight",
    )
    c.error(api, "error_regularizer of None", lambda: error_regularizer(None), r"stats")
    c.error("regneuralde.TimeConcatMLP", "dim=0", lambda: TimeConcatMLP(0), r"dim")
    c.error(
        "regneuralde.TimeConcatMLP",
        "x of the wrong width",
        lambda: TimeConcatMLP(2)(torch.tensor(0.0), R(3, 4)),
        r"x|dim|shape",
    )


# ------------------------------------------------------------------------------------------ snnk


def cases_snnk(c: Any) -> None:
    import snnk
    from snnk.bundled import BundledClassifier, BundledRegressor, ridge_solve

    api = "snnk.URFFeatures"
    U = lambda **k: snnk.URFFeatures(**({"in_features": 4, "num_features": 8} | k))  # noqa: E731
    hp(c, api, U, "num_features", [0, 7, 1.5], r"num_features|even with antithetic")
    hp(c, api, U, "in_features", [0, True], r"in_features")
    hp(c, api, U, "activation", ["swish"], r"cos, sin, exp")
    hp(c, api, U, "variance_M", [-0.3, NAN], r"variance_M")
    hp(c, api, U, "input_scale", [0.0, -1.0], r"input_scale must be > 0")
    hp(c, api, U, "normalize_constant", [0.0, -1.0], r"normalize_constant")
    c.error(
        api,
        "spectrum callable of unequal lengths",
        lambda: U(activation=lambda: ([0.1, 0.2], [1.0])),
        r"equal, non-zero length",
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: snnk.URFFeatures(4, 8, seed=0)(t),
        R(2, 4),
        shape_match=r"in_features=4, got shape",
        leading=True,
        cast=True,
    )
    c.error(
        api + ".forward_params",
        "b of the wrong length",
        lambda: snnk.URFFeatures(4, 8, seed=0).forward_params(torch.ones(2, 4), torch.ones(3)),
        r"b must have shape \(2,\)",
    )
    c.warn(
        api + ".forward",
        "large inputs without normalize",
        lambda: snnk.URFFeatures(4, 8, seed=0)(torch.full((1, 4), 5.0)),
        r"normalize=True",
    )
    api = "snnk.ReLUFeatures"
    Rf = lambda **k: snnk.ReLUFeatures(**({"in_features": 4, "num_features": 8} | k))  # noqa: E731
    hp(c, api, Rf, "num_features", [1.5, 0], r"num_features")
    hp(c, api, Rf, "in_features", [True, -1], r"in_features")
    hp(c, api, Rf, "floor", [1.0, NAN], r"floor must be a finite number <= 0")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: snnk.ReLUFeatures(4, 8, seed=0)(t),
        R(2, 4),
        shape_match=r"in_features=4, got shape",
        leading=True,
        cast=True,
    )
    c.error(
        api + ".forward_params",
        "a bias",
        lambda: snnk.ReLUFeatures(4, 8).forward_params(torch.ones(2, 4), torch.ones(2)),
        r"no bias",
    )
    api = "snnk.MaclaurinFeatures"
    hp(c, api, lambda **k: snnk.MaclaurinFeatures(4, 8, **k), "p", [1.0, 0.5], r"p must be > 1")
    hp(c, api, lambda **k: snnk.MaclaurinFeatures(4, 8, **k), "max_degree", [0, -1], r"max_degree")
    hp(c, api, lambda **k: snnk.MaclaurinFeatures(4, 8, **k), "activation", ["swish"], r"activation")
    c.warn(
        "snnk.kernel_estimate",
        "Maclaurin inputs beyond the radius",
        lambda: snnk.kernel_estimate(
            snnk.MaclaurinFeatures(2, 8, seed=0), torch.full((1, 2), 2.0), torch.full((1, 2), 1.0)
        ),
        r"radius",
    )
    api = "snnk.make_feature_map"
    c.error(api, "name='swish'", lambda: snnk.make_feature_map("swish", 4, 8), r"relu")
    c.error(api, "name=3", lambda: snnk.make_feature_map(3, 4, 8), r"feature_map must be a str")
    api = "snnk.SNNKLinear"
    hp(
        c,
        api,
        lambda **k: snnk.SNNKLinear(**({"in_features": 4, "out_features": 2, "num_features": 4} | k)),
        "out_features",
        [0, 1.5],
        r"out_features",
    )
    c.error(
        api, "feature_map='swish'", lambda: snnk.SNNKLinear(4, 2, 4, feature_map="swish"), r"feature_map|relu"
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: snnk.SNNKLinear(4, 2, 4)(t),
        R(3, 4),
        shape_match=r"in_features=4|shape",
        leading=True,
        cast=True,
    )
    c.error(
        "snnk.bundle",
        "next_linear a Conv1d",
        lambda: snnk.bundle(snnk.SNNKLinear(4, 2, 4), nn.Conv1d(2, 2, 1)),
        r"next_linear must be an nn.Linear",
    )
    c.error(
        "snnk.bundle",
        "next_linear of the wrong width",
        lambda: snnk.bundle(snnk.SNNKLinear(4, 2, 4), nn.Linear(3, 1)),
        r"next_linear.in_features=3 must equal",
    )
    c.error(
        "snnk.bundle",
        "snnk_layer an nn.Linear",
        lambda: snnk.bundle(nn.Linear(4, 2), nn.Linear(2, 1)),
        r"snnk_layer|SNNKLinear",
    )
    api = "snnk.SNNKAdapter"
    hp(c, api, lambda **k: snnk.SNNKAdapter(**({"dim": 8} | k)), "dim", [0], r"dim")
    hp(c, api, lambda **k: snnk.SNNKAdapter(8, **k), "init", ["ones"], r"init")
    hp(c, api, lambda **k: snnk.SNNKAdapter(8, **k), "down", [0, -1], r"down")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: snnk.SNNKAdapter(8, 4)(t),
        R(2, 5, 8),
        arg="h",
        shape_match=r"dim=8|shape|h",
        leading=True,
        cast=True,
    )
    X = np.random.default_rng(0).normal(size=(20, 3))
    yr = X[:, 0] * 2.0
    for Est, yy in ((BundledRegressor, yr), (BundledClassifier, (yr > 0).astype(int))):
        api = f"snnk.{Est.__name__}.fit"
        small = dict(num_features=16, random_state=0)
        hp(
            c,
            api,
            lambda Est=Est, yy=yy, **k: Est(**(small | k)).fit(X, yy),
            "alpha",
            [-1.0, NAN],
            r"alpha must be",
        )
        hp(
            c,
            api,
            lambda Est=Est, yy=yy, **k: Est(**(small | k)).fit(X, yy),
            "depth",
            [0, 1.5],
            r"depth must be",
        )
        hp(
            c,
            api,
            lambda Est=Est, yy=yy, **k: Est(**(small | k)).fit(X, yy),
            "num_features",
            [0],
            r"num_features",
        )
        hp(
            c,
            api,
            lambda Est=Est, yy=yy, **k: Est(**(small | k)).fit(X, yy),
            "feature_map",
            [3, "swish"],
            r"feature_map must be|relu",
        )
        Xn = X.copy()
        Xn[0, 0] = np.nan
        c.error(api, "NaN in X", lambda Est=Est, yy=yy: Est(**small).fit(Xn, yy), r"NaN")
        c.error(api, "one sample", lambda Est=Est, yy=yy: Est(**small).fit(X[:1], yy[:1]), r"1 sample")
        c.error(
            api,
            "y of another length",
            lambda Est=Est, yy=yy: Est(**small).fit(X, yy[:-1]),
            r"inconsistent numbers of samples",
        )
        c.error(api, "X 1-d", lambda Est=Est, yy=yy: Est(**small).fit(X[:, 0], yy), r"2D array")
        c.error(f"snnk.{Est.__name__}.predict", "before fit", lambda Est=Est: Est().predict(X), r"not fitted")
        c.error(
            f"snnk.{Est.__name__}.predict",
            "2 features for 3",
            lambda Est=Est, yy=yy: Est(**small).fit(X, yy).predict(X[:, :2]),
            r"features",
        )
    c.accept(
        "snnk.BundledClassifier.fit",
        "one class",
        lambda: BundledClassifier(num_features=16).fit(X, np.zeros(20)).predict(X),
        lambda r: bool((r == 0).all()),
        "predicts the one class",
        match=r"class",
    )
    c.error(
        "snnk.BundledRegressor.fit",
        "NaN in y",
        lambda: BundledRegressor(num_features=16).fit(X, np.where(np.arange(20) == 2, np.nan, yr)),
        r"NaN",
    )
    c.error(
        "snnk.ridge_solve",
        "alpha=-1",
        lambda: ridge_solve(torch.ones(3, 2), torch.ones(3, 1), -1.0),
        r"alpha must be >= 0",
    )
    c.error(
        "snnk.ridge_solve",
        "y of another length",
        lambda: ridge_solve(torch.ones(3, 2), torch.ones(4, 1), 1.0),
        r"y|rows|shape",
    )
    c.error(
        "snnk.exact_kernel",
        "activation='swish'",
        lambda: snnk.exact_kernel("swish", R(2, 3), R(4, 3)),
        r"activation",
    )
    c.error(
        "snnk.exact_kernel",
        "widths differ",
        lambda: snnk.exact_kernel("relu", R(2, 3), R(4, 2)),
        r"shape|dim|features|x|w",
    )
    c.error("snnk.gaussian_random_matrix", "rows=0", lambda: snnk.gaussian_random_matrix(0, 3), r"rows")
    c.error("snnk.tanh_coefficients", "max_degree=-1", lambda: snnk.tanh_coefficients(-1), r"max_degree")


# ------------------------------------------------------------------------------------------ tversky-torch


def cases_tversky_torch(c: Any) -> None:
    import tversky_torch
    from tversky_torch import SharedFeatureBank, TverskyOptions, TverskyProjection, TverskySimilarity
    from tversky_torch import functional as TF

    api = "tversky_torch.TverskyProjection"
    P = lambda **k: TverskyProjection(**({"in_features": 2, "out_features": 2, "num_features": 2} | k))  # noqa: E731
    hp(c, api, P, "in_features", [0, -1], r"in_features")
    hp(c, api, P, "out_features", [2.5, 0], r"out_features")
    hp(c, api, P, "num_features", [True, 0], r"num_features")
    hp(c, api, P, "intersection", ["sum"], r"intersection must be one of")
    hp(c, api, P, "learnable", [("gamma",)], r"learnable")
    hp(c, api, P, "init", ["zeros"], r"init must be one of")
    hp(c, api, P, "options", [{"model": "ratio"}], r"options must be a TverskyOptions")
    c.error(
        api,
        "feature_bank of another dim",
        lambda: TverskyProjection(2, 2, 4, feature_bank=SharedFeatureBank(4, 3)),
        r"feature_bank has dim 3",
    )
    c.error(
        api,
        "feature_bank tensor of the wrong shape",
        lambda: TverskyProjection(2, 2, 4, feature_bank=nn.Parameter(torch.rand(4, 3))),
        r"feature_bank must have shape",
    )
    c.error(
        api,
        "prototypes with 3 rows",
        lambda: TverskyProjection(2, 2, 4, prototypes=nn.Parameter(torch.rand(3, 2))),
        r"prototypes has 3 rows",
    )
    c.error(
        api,
        "unknown keyword bias",
        lambda: TverskyProjection(2, 2, 2, bias=True),
        r"unexpected keyword argument",
    )
    c.warn(
        api,
        "difference='substractmatch' (old spelling)",
        lambda: TverskyProjection(3, 2, 2, difference="substractmatch"),
        r"subtractmatch|deprecat",
    )
    layer = lambda: TverskyProjection(3, 2, 4)  # noqa: E731
    tensor_inputs(
        c, api + ".forward", lambda t: layer()(t), R(5, 3), shape_match=r"expected last dim 3", leading=True
    )
    c.accept(
        api + ".forward",
        "x bfloat16",
        lambda: layer()(R(5, 3).bfloat16()),
        lambda r: r.dtype == torch.bfloat16,
        "",
        match=DTYPE,
    )
    c.error(
        api + ".forward", "x bool", lambda: layer()(torch.ones(2, 3, dtype=torch.bool)), r"floating-point"
    )
    c.error(
        api + ".forward",
        "x complex",
        lambda: layer()(torch.ones(2, 3, dtype=torch.complex64)),
        r"floating-point",
    )
    c.error(
        api + ".reset_parameters",
        "init='zeros'",
        lambda: layer().reset_parameters("zeros"),
        r"init must be one of",
    )
    c.error(api + ".salience", "x float64", lambda: layer().salience(R(5, 3).double()), r"x dtype")
    api = "tversky_torch.TverskyOptions"
    for k, v, m in [
        ("model", "linear", "model must be one of"),
        ("alpha", NAN, "alpha must be a finite float"),
        ("theta", True, "theta must be a finite float"),
        ("threshold", "0", "threshold must be a finite float"),
        ("gmean_eps", -1e-8, "gmean_eps must be >= 0.0"),
        ("chunk_size", 0, "chunk_size must be a positive int or None"),
        ("max_intermediate_bytes", 0, "max_intermediate_bytes must be a positive int"),
        ("beta", INF, "beta"),
        ("normalize", "yes", "normalize"),
        ("difference", "nope", "difference"),
    ]:
        c.error(api, f"{k}={v!r}", lambda k=k, v=v: TverskyOptions(**{k: v}), m)
        c.error(api + ".replace", f"{k}={v!r}", lambda k=k, v=v: TverskyOptions().replace(**{k: v}), m)
    c.error(
        api + ".replace", "unknown field", lambda: TverskyOptions().replace(foo=1), r"foo|unknown|unexpected"
    )
    api = "tversky_torch.TverskySimilarity"
    sim = lambda: TverskySimilarity(3, 4)  # noqa: E731
    c.error(
        api,
        "bias=True",
        lambda: TverskySimilarity(2, 2, bias=True),
        r"TverskySimilarity got unexpected keyword argument",
    )
    c.error(api + ".forward", "b float64", lambda: sim()(R(2, 3), R(4, 3, dtype=torch.float64)), r"b dtype")
    c.error(api + ".forward", "a float16", lambda: sim()(R(2, 3, dtype=torch.float16), R(4, 3)), r"a dtype")
    c.error(
        api + ".forward", "a of the wrong width", lambda: sim()(R(2, 4), R(4, 3)), r"expected last dim 3|a"
    )
    c.error(api + ".forward", "b=None", lambda: sim()(R(2, 3), None), r"\bb\b|tensor")
    c.accept(
        api + ".forward",
        "empty a",
        lambda: sim()(R(0, 3), R(4, 3)),
        lambda r: r.shape[0] == 0,
        "an empty answer",
    )
    api = "tversky_torch.tversky_similarity"
    x, p, fb = R(2, 3), R(4, 3), R(5, 3)
    c.error(
        api,
        "intersection='median'",
        lambda: TF.tversky_similarity(x, p, fb, intersection="median"),
        r"intersection must be one of",
    )
    c.error(
        api,
        "difference='nope'",
        lambda: TF.tversky_similarity(x, p, fb, difference="nope"),
        r"difference must be one of",
    )
    c.error(
        api,
        "model='linear'",
        lambda: TF.tversky_similarity(x, p, fb, model="linear"),
        r"model must be one of",
    )
    c.error(api, "x int64", lambda: TF.tversky_similarity(x.long(), p, fb), r"floating-point")
    c.error(api, "x complex", lambda: TF.tversky_similarity(x.to(torch.complex64), p, fb), r"floating-point")
    c.error(
        api, "x of the wrong width", lambda: TF.tversky_similarity(R(2, 4), p, fb), r"expected last dim 3"
    )
    c.error(
        api, "features of the wrong width", lambda: TF.tversky_similarity(x, p, R(5, 4)), r"features|last dim"
    )
    c.error(
        api,
        "max_intermediate_bytes=16 with exact_per_feature",
        lambda: TF.tversky_similarity(
            x, p, fb, intersection="min", exact_per_feature=True, max_intermediate_bytes=16
        ),
        r"chunk_size",
    )
    c.error(
        api,
        "chunk_size=0",
        lambda: TF.tversky_similarity(x, p, fb, difference="subtractmatch", chunk_size=0),
        r"chunk_size",
    )
    c.error(
        api,
        "a layer-only option init=",
        lambda: TF.tversky_similarity(x, p, fb, init="normal"),
        r"unexpected keyword argument\(s\) \['init'\]",
    )
    c.error(
        api,
        "alpha of shape (2,)",
        lambda: TF.tversky_similarity(x, p, fb, torch.ones(2)),
        r"alpha must be a scalar",
    )
    c.error(api, "alpha=nan", lambda: TF.tversky_similarity(x, p, fb, NAN), r"alpha")
    c.accept(
        api,
        "x float64 with float32 prototypes",
        lambda: TF.tversky_similarity(x.double(), p, fb),
        lambda r: r.dtype == torch.float64,
        "promoted, as torch functionals do",
        match=DTYPE,
    )
    c.error(
        "tversky_torch.salience",
        "features of the wrong width",
        lambda: tversky_torch.salience(x, R(5, 4)),
        r"features|last dim|shape",
    )
    api = "tversky_torch.replace_linear"
    model = lambda: nn.Sequential(nn.Linear(4, 4))  # noqa: E731
    c.error(
        api, "num_features=0", lambda: tversky_torch.replace_linear(model(), num_features=0), r"num_features"
    )
    c.error(
        api,
        "feature_bank given",
        lambda: tversky_torch.replace_linear(model(), num_features=2, feature_bank=torch.rand(2, 4)),
        r"replace_linear sets feature_bank itself",
    )
    c.error(
        api,
        "predicate a string",
        lambda: tversky_torch.replace_linear(model(), "0", num_features=2),
        r"predicate must be callable",
    )

    def untouched() -> Any:
        m = model()
        try:
            tversky_torch.replace_linear(m, num_features=2, intersection="sum")
        except ValueError as err:
            if not isinstance(m[0], nn.Linear):
                return "replaced anyway"
            raise err
        return "accepted"

    c.error(api, "intersection='sum' (nothing replaced)", untouched, r"intersection must be one of")
    c.error(
        api,
        "a module that is not a Module",
        lambda: tversky_torch.replace_linear("model", num_features=2),
        r"module",
    )
    c.error(
        "tversky_torch.SharedFeatureBank", "num_features=0", lambda: SharedFeatureBank(0, 3), r"num_features"
    )
    c.error(
        "tversky_torch.SharedFeatureBank",
        "init='zeros'",
        lambda: SharedFeatureBank(4, 3, init="zeros"),
        r"init",
    )
    c.error(
        "tversky_torch.DataDomainParameter",
        "n=0",
        lambda: tversky_torch.DataDomainParameter(nn.Flatten(), (1, 2, 2), 0),
        r"\bn\b",
    )
    c.error(
        "tversky_torch.DataDomainParameter",
        "encoder not a module",
        lambda: tversky_torch.DataDomainParameter("enc", (1, 2, 2), 3),
        r"encoder",
    )
    try:
        import transformers

        from tversky_torch.hf import tversky_gpt2

        cfg = transformers.GPT2Config(vocab_size=20, n_positions=8, n_embd=8, n_layer=1, n_head=2)
        api = "tversky_torch.hf.tversky_gpt2"
        c.error(
            api, "mode='every'", lambda: tversky_gpt2(cfg, mode="every"), r"mode must be one of", timeout=240
        )
        c.error(
            api,
            "targets outside the model",
            lambda: tversky_gpt2(cfg, mode="all", targets=("attn.q_proj",)),
            r"targets must be a subset",
        )
        c.error(api, "init='normal'", lambda: tversky_gpt2(cfg, init="normal"), r"feature_init=", timeout=240)
        c.error(
            api,
            "config a dict",
            lambda: tversky_gpt2({"n_embd": 8}),
            r"config must be a transformers.GPT2Config",
        )
    except ImportError:
        pass


# ------------------------------------------------------------------------------------------ paperzoo-shared


def cases_paperzoo_shared(c: Any) -> None:
    """The writers every package's reproduction and benchmarks use (results files, benchmark files, ``--out``)."""
    from pathlib import Path

    from paperzoo_shared.results import Results
    from paperzoo_shared.runner import write_or_fallback

    body_results = """
        from paperzoo_shared.results import Results
        def res(n):
            r = Results(package="demo", version="0.1", preset="quick")
            for s in range(n):
                r.add_seed(s, {"acc": 0.5 + s / 1000})
            return r
        def write_old(p):
            res(2).write(p)
        def write_new(p):
            res(200).write(p)
        def valid(p):
            Results.read(p)
        """
    failed_write(c, "paperzoo_shared.results.Results.write", body_results, name="quick.json")
    failed_write(
        c,
        "paperzoo_shared.bench.write_bench",
        """
        from paperzoo_shared.bench import Comparison, Timing, write_bench
        from paperzoo_shared.results import Results
        def comps(n):
            return [Comparison(task=f"t{i}", reference="a", timings={"a": Timing(1.0, 0.9, 1.1, 10), "b": Timing(2.0, 1.9, 2.1, 10)}) for i in range(n)]
        def write_old(p):
            write_bench(p, comps(1), package="demo", version="0.1")
        def write_new(p):
            write_bench(p, comps(100), package="demo", version="0.1")
        def valid(p):
            Results.read(p)
        """,
        name="bench.json",
    )
    failed_write(
        c,
        "paperzoo_shared.runner.write_or_fallback",
        body_results.replace(
            "res(200).write(p)",
            "from paperzoo_shared.runner import write_or_fallback; write_or_fallback(res(200), p)",
        ),
        name="quick.json",
    )

    def unwritable() -> Any:
        r = Results(package="demo", version="0.1", preset="quick")
        r.add_seed(0, {"acc": 0.5})
        path = write_or_fallback(r, Path("/proc/no-such-dir/quick.json"))
        ok = Results.read(path).per_seed == r.to_dict()["per_seed"]
        os.unlink(path)
        return ok

    c.accept(
        "paperzoo_shared.runner.write_or_fallback",
        "an unwritable --out",
        unwritable,
        lambda ok: ok is True,
        "falls back to a named temporary file",
    )

    def cli_unwritable() -> Any:
        proc = subprocess.run(
            [
                os.path.join(os.path.dirname(sys.executable), "gradient-noise-reproduce"),
                "--preset",
                "quick",
                "--only",
                "deep_mlp",
                "--no-progress",
                "--out",
                "/proc/no-such-dir/quick.json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        m = re.search(r"the results are in (\S+\.json)", proc.stderr)
        if not m:
            return f"exit {proc.returncode}: {proc.stderr[-300:]}"
        data = json.loads(Path(m.group(1)).read_text())
        os.unlink(m.group(1))
        return data["package"] == "gradient-noise"

    c.accept(
        "<dist>-reproduce --out",
        "an unwritable --out (gradient-noise quick, one study)",
        cli_unwritable,
        lambda r: r is True,
        "the finished run is kept in a named temporary file",
        timeout=300,
    )
    c.error(
        "paperzoo_shared.results.Results.read",
        "a truncated results file",
        lambda: _truncated_results(),
        r"quick\.json.*not valid JSON",
    )


def _truncated_results() -> Any:
    from paperzoo_shared.results import Results

    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "quick.json")
        open(p, "w").write('{"schema": 2, "kind": "repro')
        return Results.read(p)
