"""Study ``camouflage``: DTN fidelity and the EOT camouflage attack through DTN vs the naive / ratio proxies.

Per seed: render the data with the non-differentiable :class:`~dta_camouflage.render.ToyCarRenderer`, train
the detector and the DTN, attack through DTN (DTA), the naive renderer and the ratio renderer with the same
budget, and evaluate every texture on held-out scenes rendered by the TRUE renderer. The verdict is the mean
over the seeds (spec, Planner's note), judged against the ratio renderer, the strongest non-learned proxy.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import torch

from dta_camouflage import (
    DTN,
    CamouflageAttack,
    CarClassifier,
    EOTPool,
    NaiveRenderer,
    RatioRenderer,
    ToyCarRenderer,
    evaluate_texture,
    make_detector_dataset,
    make_dtn_dataset,
    masked_psnr,
    natural_paints,
    proxy_scores,
    render_scenes,
    sample_scene,
    train_detector,
    train_dtn,
)
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context, pyplot

ARMS = ("original", "random", "naive", "ratio", "dta")
ATTACKS = ("naive", "ratio", "dta")
LABELS = {
    "original": "original paint (natural)",
    "random": "random tiles (mean of n_random)",
    "naive": "naive differentiable renderer attack",
    "ratio": "ratio renderer attack",
    "dta": "DTA (attack through DTN)",
}


@dataclasses.dataclass(frozen=True)
class Config:
    size: int = 32  # image size (Planner's note: 32x32 on CPU, 64 moves to full)
    tile: int = 8  # the camouflage tile is tile x tile x 3
    tile_size: float = 0.5  # world-space period of the tile (m)
    dtn_widths: tuple[int, ...] = (8, 16, 32)
    dtn_pairs: int = 1500
    dtn_epochs: int = 10
    dtn_lr: float = 2e-3
    dtn_batch: int = 32
    psnr_pairs: int = 200  # held-out pairs for the fidelity (PSNR) comparison
    det_widths: tuple[int, ...] = (16, 32, 64)
    det_images: int = 1500
    det_test: int = 400  # held-out images for the detector's clean accuracy
    # detector re-fixed once after the non-degeneracy pilot (seed 100, before any attack ran; README):
    # the Planner's 6 epochs, lr 1e-3, batch 64 (no BatchNorm) gave 71 % clean accuracy (< 97 % asked)
    det_epochs: int = 20
    det_lr: float = 3e-3
    det_batch: int = 32
    pool: int = 512  # EOT pool of scenes
    steps: int = 200
    attack_lr: float = 0.05
    attack_batch: int = 16
    tv_weight: float = 1e-3
    eval_scenes: int = 300
    n_random: int = 10
    # pass criteria (spec; (i), (iii), (iv) judged against the ratio renderer, Planner's note)
    psnr_margin_db: float = 3.0
    dr_fraction: float = 0.5
    dr_margin: float = 0.10

    def __post_init__(self) -> None:
        for name in (
            "size",
            "tile",
            "dtn_pairs",
            "psnr_pairs",
            "det_images",
            "det_test",
            "pool",
            "eval_scenes",
            "n_random",
            "dtn_batch",
            "det_batch",
            "attack_batch",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"camouflage.{name} must be >= 1, got {getattr(self, name)}")
        factor = 2 ** (len(self.dtn_widths) - 1)
        if self.size % factor:
            raise ValueError(f"camouflage.size must be a multiple of {factor} (DTN levels), got {self.size}")
        if self.attack_batch > self.pool:
            raise ValueError(f"camouflage.attack_batch ({self.attack_batch}) must be <= pool ({self.pool})")
        if self.steps < 0 or self.dtn_epochs < 0 or self.det_epochs < 0:
            raise ValueError("camouflage.steps, dtn_epochs and det_epochs must be >= 0")


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def run_seed(cfg: Config, seed: int, device: Any, log: Any = print) -> dict[str, Any]:
    """Everything for one seed; returns the per-seed metrics (and example images for the figure)."""
    seed_everything(seed)
    t0 = time.perf_counter()
    renderer = ToyCarRenderer(size=cfg.size, tile_size=cfg.tile_size)
    shape = (cfg.tile, cfg.tile)
    out: dict[str, Any] = {}

    # detector, trained from scratch on natural paints, car vs empty / distractor scenes
    x_det, y_det = make_detector_dataset(cfg.det_images, renderer, _rng(seed, 3), tile_shape=shape)
    x_test, y_test = make_detector_dataset(cfg.det_test, renderer, _rng(seed, 4), tile_shape=shape)
    det = CarClassifier(widths=cfg.det_widths).to(device)
    train_detector(
        det, x_det, y_det, epochs=cfg.det_epochs, lr=cfg.det_lr, batch_size=cfg.det_batch, seed=seed
    )
    with torch.no_grad():
        acc = float(((det(x_test.to(device)) > 0).float().cpu() == y_test).float().mean())
    out["detector_accuracy"] = acc

    # DTN, trained on (reference, projected texture, mask) -> true render
    train, eta, target = make_dtn_dataset(cfg.dtn_pairs, renderer, _rng(seed, 1), tile_shape=shape)
    dtn = DTN(widths=cfg.dtn_widths, image_size=cfg.size).to(device)
    train_dtn(
        dtn,
        train.x_ref,
        eta,
        train.mask,
        target,
        epochs=cfg.dtn_epochs,
        lr=cfg.dtn_lr,
        batch_size=cfg.dtn_batch,
        seed=seed,
    )
    naive, ratio = NaiveRenderer().to(device), RatioRenderer().to(device)
    proxies = {"dta": dtn, "naive": naive, "ratio": ratio}
    held, h_eta, h_target = make_dtn_dataset(cfg.psnr_pairs, renderer, _rng(seed, 2), tile_shape=shape)
    held, h_eta, h_target = held.to(device), h_eta.to(device), h_target.to(device)
    with torch.no_grad():
        for name, proxy in proxies.items():
            pred = proxy(held.x_ref, h_eta, held.mask, held.normals)
            out[f"psnr_{name}"] = masked_psnr(pred, h_target, held.mask)
    log(
        f"seed {seed}: detector acc {acc:.3f}, PSNR dtn {out['psnr_dta']:.2f} naive {out['psnr_naive']:.2f} ratio {out['psnr_ratio']:.2f} ({time.perf_counter() - t0:.0f} s)"
    )

    # EOT pool and held-out evaluation scenes
    pool = EOTPool(cfg.pool, renderer, _rng(seed, 5)).to(device)
    ev_rng = _rng(seed, 6)
    scenes = render_scenes([sample_scene(ev_rng) for _ in range(cfg.eval_scenes)], renderer).to(device)
    det_score = det.score
    paints = natural_paints(shape)
    pick = _rng(seed, 8).integers(0, len(paints), size=cfg.eval_scenes)
    res = {"original": evaluate_texture([paints[int(i)] for i in pick], scenes, renderer, det_score)}
    rand_rng = _rng(seed, 7)
    rand = [
        evaluate_texture(rand_rng.uniform(size=(3, *shape)), scenes, renderer, det_score)
        for _ in range(cfg.n_random)
    ]
    res["random"] = {k: float(np.mean([r[k] for r in rand])) for k in ("detection_rate", "mean_score")}
    tiles: dict[str, np.ndarray] = {
        "original": paints[int(pick[0])],
        "random": rand_rng.uniform(size=(3, *shape)),
    }
    for name in ATTACKS:
        attack = CamouflageAttack(
            proxies[name],
            det_score,
            pool,
            tile_shape=shape,
            steps=cfg.steps,
            lr=cfg.attack_lr,
            batch_size=cfg.attack_batch,
            tv_weight=cfg.tv_weight,
        )
        result = attack.run(seed)
        tile_np = result.tile.double().cpu().numpy().clip(0, 1)
        tiles[name] = tile_np
        res[name] = evaluate_texture(tile_np, scenes, renderer, det_score)
        prox = proxy_scores(result.tile, scenes, proxies[name], det_score)
        out[f"proxy_dr_{name}"] = prox["detection_rate"]
        out[f"proxy_score_{name}"] = prox["mean_score"]
        out[f"gap_{name}"] = abs(prox["mean_score"] - res[name]["mean_score"])
        out[f"loss_first20_{name}"] = float(np.mean(result.losses[:20])) if result.losses else float("nan")
        out[f"loss_last20_{name}"] = float(np.mean(result.losses[-20:])) if result.losses else float("nan")
    for name in ARMS:
        out[f"dr_{name}"] = res[name]["detection_rate"]
        out[f"score_{name}"] = res[name]["mean_score"]
    log(
        f"seed {seed}: DR "
        + ", ".join(f"{a} {out[f'dr_{a}']:.3f}" for a in ARMS)
        + f" ({time.perf_counter() - t0:.0f} s)"
    )

    # example renders for the figure (4 held-out scenes, every arm)
    examples: dict[str, Any] = {
        "tiles": {k: v.round(4).tolist() for k, v in tiles.items()},
        "images": {},
        "scores": {},
    }
    for name, tile in tiles.items():
        imgs = [renderer.render(s, tile).image for s in scenes.scenes[:4]]
        with torch.no_grad():
            s = det_score(torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().div(255).to(device))
        examples["images"][name] = [im.tolist() for im in imgs]
        examples["scores"][name] = [round(float(v), 4) for v in s]
    out["_examples"] = examples
    return out


def run(cfg: Config, ctx: Context) -> None:
    per_seed: list[dict[str, Any]] = []
    for seed in ctx.progress(ctx.seeds):
        m = run_seed(cfg, seed, ctx.device)
        ex = m.pop("_examples")
        if not per_seed:
            ctx.set_data("examples", ex)
        ctx.add_seed(seed, m)
        per_seed.append(m)

    def ms(key: str) -> dict[str, Any]:
        return mean_std([m[key] for m in per_seed])

    def mean(key: str) -> float:
        return float(np.mean([m[key] for m in per_seed]))

    for key in per_seed[0]:
        ctx.set_summary(key, ms(key))
    n = len(per_seed)
    ctx.add_note(
        f"camouflage: every number is over {n} seed(s) ({cfg.size}x{cfg.size} CPU scale); criteria use the seed mean."
    )
    setting = f"CPU-scale toy car, {cfg.size}x{cfg.size}"
    ctx.add_table(
        "camouflage.detection",
        [
            "texture",
            "detection rate (true)",
            "mean score (true)",
            "detection rate (own proxy)",
            "transfer gap |proxy - true| score",
        ],
        [
            [
                LABELS[a],
                ms(f"dr_{a}"),
                ms(f"score_{a}"),
                ms(f"proxy_dr_{a}") if a in ATTACKS else None,
                ms(f"gap_{a}") if a in ATTACKS else None,
            ]
            for a in ARMS
        ],
    )
    ctx.add_table(
        "camouflage.fidelity",
        ["proxy", "PSNR (dB)"],
        [
            ["DTN (learned)", ms("psnr_dta")],
            ["ratio renderer", ms("psnr_ratio")],
            ["naive renderer", ms("psnr_naive")],
        ],
    )
    ctx.add_row(
        setting,
        "DTN masked PSNR (dB)",
        ms("psnr_dta"),
        baseline=ms("psnr_ratio"),
        paper="qualitative only (DTN vs CARLA renders; no PSNR table retrieved)",
    )
    ctx.add_row(
        setting,
        "detection rate, DTA texture",
        ms("dr_dta"),
        baseline=ms("dr_ratio"),
        paper="not comparable (CARLA + real detectors; tables not retrieved)",
    )
    ctx.add_row(setting, "detection rate, original paint", ms("dr_original"))
    ctx.add_row(setting, "detector clean accuracy", ms("detector_accuracy"))

    d_psnr = mean("psnr_dta") - mean("psnr_ratio")
    ctx.add_criterion(
        f"(i) DTN fidelity: PSNR_DTN >= PSNR_ratio + {cfg.psnr_margin_db} dB",
        d_psnr >= cfg.psnr_margin_db,
        f"DTN {mean('psnr_dta'):.2f} dB, ratio {mean('psnr_ratio'):.2f} dB, naive {mean('psnr_naive'):.2f} dB; margin {d_psnr:+.2f} dB",
    )
    ctx.add_criterion(
        f"(ii) DR_DTA <= {cfg.dr_fraction} x DR_original",
        mean("dr_dta") <= cfg.dr_fraction * mean("dr_original"),
        f"DR_DTA {mean('dr_dta'):.3f}, DR_original {mean('dr_original'):.3f} (limit {cfg.dr_fraction * mean('dr_original'):.3f})",
    )
    ctx.add_criterion(
        f"(iii) DR_DTA <= DR_ratio - {cfg.dr_margin} and mean score DTA < ratio",
        mean("dr_dta") <= mean("dr_ratio") - cfg.dr_margin and mean("score_dta") < mean("score_ratio"),
        f"DR DTA {mean('dr_dta'):.3f} vs ratio {mean('dr_ratio'):.3f} (naive {mean('dr_naive'):.3f}); "
        f"score DTA {mean('score_dta'):.3f} vs ratio {mean('score_ratio'):.3f} (naive {mean('score_naive'):.3f})",
    )
    ctx.add_criterion(
        "(iv) transfer gap DTA < transfer gap ratio",
        mean("gap_dta") < mean("gap_ratio"),
        f"gap DTA {mean('gap_dta'):.3f}, ratio {mean('gap_ratio'):.3f} (naive {mean('gap_naive'):.3f})",
    )
    ctx.add_criterion(
        "(v) DR_DTA < mean DR of random tiles",
        mean("dr_dta") < mean("dr_random"),
        f"DR DTA {mean('dr_dta'):.3f}, random tiles {mean('dr_random'):.3f}",
    )


def draw(ctx: Context) -> None:
    ex = ctx.get_data("examples")
    names = [a for a in ARMS if a in ex["tiles"]]
    n_img = len(next(iter(ex["images"].values())))
    plt = pyplot()
    fig, axes = plt.subplots(len(names), n_img + 1, figsize=(1.6 * (n_img + 1), 1.7 * len(names)))
    for r, name in enumerate(names):
        axes[r, 0].imshow(np.transpose(np.array(ex["tiles"][name]), (1, 2, 0)), interpolation="nearest")
        axes[r, 0].set_ylabel(name, fontsize=8)
        for c in range(n_img):
            axes[r, c + 1].imshow(np.array(ex["images"][name][c], dtype=np.uint8), interpolation="nearest")
            s = ex["scores"][name][c]
            axes[r, c + 1].set_title(f"s={s:.2f}", fontsize=7, color="red" if s > 0.5 else "green")
        for a in axes[r]:
            a.set_xticks([])
            a.set_yticks([])
    axes[0, 0].set_title("tile", fontsize=8)
    ctx.save_figure(
        fig,
        "textures",
        "Tiles (left) and held-out true renders with the detector's car score s (red: detected, first seed).",
    )
