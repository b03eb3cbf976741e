"""One memory measurement in a fresh process (so that peak RSS is clean): ``python -m
proxylessnas.reproduce._memory_worker '<json>'`` prints one JSON line. Used by the ``memory`` study."""

from __future__ import annotations

import functools
import json
import statistics
import sys
import time
from typing import Any, cast

import torch
import torch.nn.functional as F

from proxylessnas import MBCONV_CANDIDATES, ProxylessSuperNet, peak_rss_increase, saved_tensor_bytes

VARIANTS = ("darts", "weights", "two", "full_v2", "single")


def _net(n: int, mode: str) -> ProxylessSuperNet:
    """The memory study's super-net with the first ``n`` candidates of the fixed order (the n-th = zero)."""
    mb = MBCONV_CANDIDATES[: min(n, len(MBCONV_CANDIDATES))]
    torch.manual_seed(1000)
    return ProxylessSuperNet.tiny(mb, zero_op=n > len(MBCONV_CANDIDATES), mode=mode)


def single_bytes(net: ProxylessSuperNet, arch: list[str], x: torch.Tensor, y: torch.Tensor) -> int:
    """Saved bytes of one training step of the standalone network of ``arch``."""
    d = net.derive(arch)
    return saved_tensor_bytes(lambda: F.cross_entropy(d(x), y).backward(), exclude=d.parameters())


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    torch.set_num_threads(int(spec.get("threads", 1)))
    dev = torch.device(spec.get("device", "cpu"))
    x, y = torch.load(spec["batch"])
    x, y = x.to(dev), y.to(dev)
    n, variant, seeds = int(spec["n"]), spec["variant"], list(spec["seeds"])
    mode = {"two": "two", "full_v2": "full_v2"}.get(variant, "two")
    net = _net(n, mode).to(dev)
    peak = peak_rss_increase if dev.type == "cpu" else functools.partial(_cuda_peak, dev=dev)
    params = list(net.parameters())
    gen = torch.Generator()

    def step(seed: int) -> Any:
        if variant == "darts":
            with net.stage("darts"):
                F.cross_entropy(net(x), y).backward()
            return None
        gen.manual_seed(seed)
        net.sample_gates(gen)
        if variant == "single":
            d = net.derive(net.active_architecture())
            return lambda: F.cross_entropy(d(x), y).backward()
        if variant == "weights":
            with net.stage("weights"):
                F.cross_entropy(net(x), y).backward()
            return None
        with net.stage("arch"):
            loss = F.cross_entropy(net(x), y)
        grads = torch.autograd.grad(loss, [cast(torch.Tensor, e.gates) for e in net.edges])
        for e, g in zip(net.edges, grads, strict=True):
            e.binary_grad_to_alpha(g)
        return None

    out: dict[str, Any] = {"n": n, "variant": variant}
    if variant == "single":
        # the standalone net is built before the RSS baseline, like the super-nets
        runner = step(seeds[0])
        out["rss_bytes"] = peak(runner)
    else:
        out["rss_bytes"] = peak(functools.partial(step, seeds[0]))
    saved, ref, archs = [], [], []
    for s in seeds if variant != "darts" else seeds[:1]:
        if variant == "single":
            step(s)
            saved.append(_single(net, x, y))
        else:
            saved.append(saved_tensor_bytes(functools.partial(step, s), exclude=params))
        if variant != "darts":
            arch = net.active_architecture()
            archs.append(arch)
            ref.append(single_bytes(net, arch, x, y))
    out["saved_bytes"], out["single_bytes"], out["archs"] = saved, ref, archs
    times = []
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    for _ in range(int(spec.get("timing_steps", 5))):
        sync()
        t0 = time.perf_counter()
        r = step(seeds[0])
        if variant == "single":
            sync()
            t0 = time.perf_counter()
            r()
        sync()
        times.append(time.perf_counter() - t0)
    out["step_s"] = statistics.median(times)
    return out


def _cuda_peak(fn: Any, dev: torch.device) -> int:
    from proxylessnas import cuda_peak_bytes

    return cuda_peak_bytes(fn, dev)


def _single(net: ProxylessSuperNet, x: torch.Tensor, y: torch.Tensor) -> int:
    return single_bytes(net, net.active_architecture(), x, y)


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))))
