"""Side by side with timm's ``fbnetc_100`` (an FBNet-C model without the search): our FBNet-C construction
(``fbnet.FBNET_C.build(FBNetSpace.imagenet(head=1984))``) against it at 224x224, 1000 classes: parameter
count, multiply-adds (``torch.utils.flop_counter``, batch 1) and forward time per image at batch 1 and 32 on
this CPU (eval mode, no grad, one thread), as ratios from one run. Writes results/peers.json (README table
``peers``).

timm needs torchvision; the torchvision wheel on PyPI is built against CUDA torch and cannot load with the CPU
torch used here (``RuntimeError: operator torchvision::nms does not exist``). timm only imports torchvision names
at import time (datasets, transforms, ``FrozenBatchNorm2d``) and ``fbnetc_100`` uses none of them, so when the
real import fails the script puts an inert stand-in for torchvision in ``sys.modules`` (any use raises) and
says so in the results notes.

Run: ``pip install "fbnet[reproduce,peers]"`` then ``python benchmarks/peer_timm.py``.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import sys
import time
import types
from pathlib import Path
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

import fbnet
from paperzoo_shared.bench import time_fn
from paperzoo_shared.results import Results


class _Missing(type):
    def __getattr__(cls, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        return f"{cls.__name__}.{name}"

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"torchvision is stubbed in this benchmark: {cls.__name__} is not available")


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Missing(name, (), {})


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name == "torchvision" or name.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        mod = _StubModule(spec.name)
        mod.__path__ = []
        return mod

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def import_timm() -> tuple[Any, str | None]:
    """``timm``, and the reason torchvision had to be stubbed (None when the real import worked)."""
    try:
        import timm

        return timm, None
    except (RuntimeError, OSError, ImportError) as exc:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
    for name in [m for m in sys.modules if m.split(".")[0] in ("timm", "torchvision")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _StubFinder())
    import timm

    return timm, reason


def macs(model: torch.nn.Module, x: torch.Tensor) -> float:
    """Multiply-adds of one forward pass (FLOPs / 2, as the paper counts)."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops() / 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    timm, stubbed = import_timm()
    torch.manual_seed(0)
    ours = fbnet.FBNET_C.build(fbnet.FBNetSpace.imagenet(head=1984)).eval()
    peer = timm.create_model("fbnetc_100", pretrained=False).eval()
    name = f"timm {timm.__version__} fbnetc_100"
    res = Results(package="fbnet", version=fbnet.__version__, kind="peers", preset="peers",
                  config={"device": "cpu", "threads": args.threads, "input": [3, 224, 224], "repeat": args.repeat},
                  seeds=[0])  # fmt: skip
    start = time.perf_counter()
    x1 = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert ours(x1).shape == peer(x1).shape == (1, 1000)
    rows: list[list[Any]] = []
    p_ours, p_peer = (sum(p.numel() for p in m.parameters()) / 1e6 for m in (ours, peer))
    rows.append(["parameters (M)", p_ours, p_peer, f"{p_ours / p_peer:.3f}"])
    m_ours, m_peer = macs(ours, x1) / 1e6, macs(peer, x1) / 1e6
    rows.append(["multiply-adds, batch 1 (M)", m_ours, m_peer, f"{m_ours / m_peer:.3f}"])
    for batch in (1, 32):
        x = torch.randn(batch, 3, 224, 224)

        def fwd(m: torch.nn.Module, x: torch.Tensor = x) -> None:
            with torch.no_grad():
                m(x)

        t_ours, t_peer = [], []
        for _ in range(2):  # interleaved rounds, median of each round's median
            t_ours.append(time_fn(lambda: fwd(ours), warmup=1, repeat=args.repeat).median)
            t_peer.append(time_fn(lambda: fwd(peer), warmup=1, repeat=args.repeat).median)
        a, b = (1e3 * min(t) / batch for t in (t_ours, t_peer))
        rows.append([f"forward ms per image, batch {batch}", a, b, f"{a / b:.3f}"])
    res.add_table("peers", ["FBNet-C, 224x224, 1000 classes", "fbnet (ours)", name, "ours / timm"], rows)
    res.notes.append(
        "Paper (Table 3): FBNet-C 5.5 M parameters, 375 M FLOPs (multiply-adds). Ours has no conv biases "
        "(`Architecture.build(space, bias=True)` adds them, as mobile-vision's release); timing is the best of two "
        "interleaved rounds of the median of `repeat` runs, one thread, eval mode."
    )
    if stubbed:
        res.notes.append(
            f"torchvision could not be imported ({stubbed}); timm ran with an inert torchvision stub."
        )
    res.finalize(wall_time_s=time.perf_counter() - start, device="cpu", module_file=__file__)
    res.write(args.out)
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
