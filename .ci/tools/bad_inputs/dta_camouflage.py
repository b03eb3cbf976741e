"""Bad-input cases of dta-camouflage: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .common import FINITE, INF, NAN, R, failed_write, hp, tensor_inputs, with_nan


def cases(c: Any) -> None:
    import dta_camouflage as dc
    from dta_camouflage.reproduce import camouflage

    rng = lambda: np.random.default_rng(0)  # noqa: E731
    ren = dc.ToyCarRenderer(size=8)
    pool = dc.EOTPool(4, ren, rng())
    tile = np.full((3, 2, 2), 0.5)
    api = "dta_camouflage.ToyCarRenderer"
    hp(c, api, dc.ToyCarRenderer, "size", [2, 8.5, "8"])
    hp(c, api, dc.ToyCarRenderer, "tile_size", [0.0, -1.0, NAN])
    api += ".render"
    c.error(api, "params a dict", lambda: ren.render({"fov": 45.0}), r"params")
    c.error(api, "object='truck'", lambda: ren.render(dc.SceneParams(), object="truck"), r"object")
    c.error(
        api,
        "tile (h, w, 3)",
        lambda: ren.render(dc.SceneParams(), np.zeros((2, 2, 3))),
        r"tile must have shape",
    )
    c.error(api, "tile > 1", lambda: ren.render(dc.SceneParams(), np.full((3, 2, 2), 1.5)), r"\[0, 1\]")
    c.error(api, "tile NaN", lambda: ren.render(dc.SceneParams(), np.full((3, 2, 2), NAN)), r"NaN")
    c.error(
        api,
        "tile a torch tensor with grad",
        lambda: ren.render(dc.SceneParams(), torch.rand(3, 2, 2, requires_grad=True)),
        r"non-differentiable",
    )
    c.error(api, "tile as a string", lambda: ren.render(dc.SceneParams(), "red"), r"tile")
    for k, v in (
        ("fov", 0.0),
        ("fov", NAN),
        ("cam_distance", 0.0),
        ("noise_sigma", -0.1),
        ("exposure", NAN),
        ("shininess", -1.0),
    ):
        c.error(
            "dta_camouflage.SceneParams",
            f"{k}={v!r} (rendered)",
            lambda k=k, v=v: ren.render(dc.SceneParams(**{k: v})),
            k,
        )
    api = "dta_camouflage.SceneRanges"
    c.error(api, "low > high", lambda: dc.SceneRanges(cam_elevation=(40.0, 8.0)), r"low must be <= high")
    c.error(api, "NaN bound", lambda: dc.SceneRanges(cam_distance=(NAN, 8.0)), r"cam_distance")
    c.error(api, "blur_probability=1.5", lambda: dc.SceneRanges(blur_probability=1.5), r"blur_probability")
    c.error(api, "a scalar range", lambda: dc.SceneRanges(fov=45.0), r"fov|unexpected keyword")
    c.error("dta_camouflage.sample_scene", "rng an int", lambda: dc.sample_scene(0), r"rng")
    api = "dta_camouflage.EOTPool"
    hp(
        c,
        api,
        lambda **k: dc.EOTPool(**({"renderer": ren, "rng": rng()} | k)),
        "n",
        [0, -1, 1.5],
        r"n\b|pool size",
    )
    c.error(api, "renderer a string", lambda: dc.EOTPool(2, "toy", rng()), r"renderer")
    c.error(api, "rng a seed", lambda: dc.EOTPool(2, ren, 0), r"rng")
    c.error("dta_camouflage.make_dtn_dataset", "n=0", lambda: dc.make_dtn_dataset(0, ren, rng()), r"n must")
    c.error(
        "dta_camouflage.make_dtn_dataset",
        "tile_shape=(0, 4)",
        lambda: dc.make_dtn_dataset(2, ren, rng(), tile_shape=(0, 4)),
        r"tile_shape",
    )
    c.error(
        "dta_camouflage.make_detector_dataset",
        "n=0",
        lambda: dc.make_detector_dataset(0, ren, rng()),
        r"n must",
    )
    c.error("dta_camouflage.render_scenes", "no scenes", lambda: dc.render_scenes([], ren), r"scenes")
    c.error(
        "dta_camouflage.render_textured",
        "2 tiles for 3 scenes",
        lambda: dc.render_textured([dc.SceneParams()] * 3, [tile, tile], ren),
        r"one tile or one per scene",
    )
    c.error(
        "dta_camouflage.random_texture",
        "tile_shape=(0, 4)",
        lambda: dc.random_texture(rng(), (0, 4)),
        r"tile_shape",
    )
    c.error("dta_camouflage.random_texture", "rng an int", lambda: dc.random_texture(0), r"rng")
    c.error(
        "dta_camouflage.natural_paints",
        "tile_shape=(-1, 4)",
        lambda: dc.natural_paints((-1, 4)),
        r"tile_shape",
    )
    # projection
    t = torch.full((3, 2, 2), 0.5)
    uv, m = torch.rand(2, 8, 8, 2), torch.ones(2, 1, 8, 8)
    api = "dta_camouflage.project_texture"
    c.error(
        api, "tile (h, w, 3)", lambda: dc.project_texture(torch.rand(2, 2, 3), uv, m), r"tile must have shape"
    )
    c.error(
        api, "tile NaN", lambda: dc.project_texture(torch.full((3, 2, 2), NAN), uv, m), r"tile contains NaN"
    )
    c.error(
        api,
        "tile a numpy array",
        lambda: dc.project_texture(np.full((3, 2, 2), 0.5), uv, m),
        r"tile must be a torch\.Tensor",
    )
    c.error(api, "uv (B, H, W)", lambda: dc.project_texture(t, uv[..., 0], m), r"uv must have shape")
    c.error(api, "mask of another batch", lambda: dc.project_texture(t, uv, m[:1]), r"mask")
    c.error(api, "uv NaN", lambda: dc.project_texture(t, with_nan(uv), m), r"uv|NaN|finite")
    api = "dta_camouflage.repeat2d_projection"
    b1 = torch.zeros(2)
    c.error(api, "tiles=0", lambda: dc.repeat2d_projection(t, b1, b1, b1 + 8, m, tiles=0), r"tiles")
    c.error(api, "distance 0", lambda: dc.repeat2d_projection(t, b1, b1, b1, m), r"distance")
    c.error(api, "yaw of another batch", lambda: dc.repeat2d_projection(t, b1[:1], b1, b1 + 8, m), r"yaw")
    c.error(api, "mask 2-d", lambda: dc.repeat2d_projection(t, b1, b1, b1 + 8, m[0, 0]), r"mask")
    # DTN
    api = "dta_camouflage.DTN"
    hp(c, api, dc.DTN, "widths", [(), (0, 8), (8, -1)])
    hp(c, api, lambda **k: dc.DTN(widths=(4, 8), **k), "image_size", [31, 0, 1])
    xr, eta = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)

    def dtn() -> Any:
        torch.manual_seed(0)
        return dc.DTN(widths=(4, 8))

    tensor_inputs(
        c,
        api + ".forward",
        lambda u: dtn()(u, eta, m),
        xr,
        arg="x_ref",
        shape_match=r"x_ref|\(B, 3, H, W\)|multiple of",
        empty=False,
    )
    c.error(
        api + ".forward", "eta float64, x_ref float32", lambda: dtn()(xr, eta.double(), m), r"dtype|\.to\("
    )
    c.error(api + ".forward", "mask (B, H, W)", lambda: dtn()(xr, eta, m[:, 0]), r"mask must be")
    c.error(
        api + ".forward",
        "7x7 images",
        lambda: dtn()(R(1, 3, 7, 7), R(1, 3, 7, 7), torch.ones(1, 1, 7, 7)),
        r"multiple of 2",
    )
    c.error(api + ".forward", "eta=None", lambda: dtn()(xr, None, m), r"eta")
    api = "dta_camouflage.dtn_loss"
    c.error(api, "pred and target of different batches", lambda: dc.dtn_loss(xr, xr[:1], m), r"shape|target")
    c.error(api, "mask of 3 channels", lambda: dc.dtn_loss(xr, eta, torch.ones(2, 3, 4, 4)), r"mask")
    c.error(api, "mse_weight=-1", lambda: dc.dtn_loss(xr, eta, m, mse_weight=-1.0), r"mse_weight")
    api = "dta_camouflage.masked_psnr"
    c.error(
        api, "pred and target of different batches", lambda: dc.masked_psnr(xr, xr[:1], m), r"shape|target"
    )
    c.error(api, "empty mask", lambda: dc.masked_psnr(xr, eta, torch.zeros(2, 1, 8, 8)), r"mask|empty")
    api = "dta_camouflage.train_dtn"

    def tdtn(**k: Any) -> Any:
        a = {"x_ref": xr, "eta": eta, "mask": m, "target": eta.flip(0)} | k
        return dc.train_dtn(
            dtn(),
            a.pop("x_ref"),
            a.pop("eta"),
            a.pop("mask"),
            a.pop("target"),
            **({"epochs": 1, "batch_size": 2} | a),
        )

    hp(c, api, tdtn, "epochs", [-1, 1.5])
    hp(c, api, tdtn, "lr", [0.0, NAN, -1.0], r"lr")
    hp(c, api, tdtn, "batch_size", [0, 2.5])
    c.error(api, "target of another length", lambda: tdtn(target=eta[:1]), r"equally long|length|target")
    c.error(
        api,
        "empty data",
        lambda: tdtn(x_ref=xr[:0], eta=eta[:0], mask=m[:0], target=eta[:0]),
        r"non-empty|empty",
    )
    c.error(api, "NaN in target", lambda: tdtn(target=with_nan(eta)), FINITE)
    c.error(api, "inf in x_ref", lambda: tdtn(x_ref=with_nan(xr, INF)), FINITE)
    c.error(api, "x_ref=None", lambda: tdtn(x_ref=None), r"x_ref|[Tt]ensor")
    c.error(
        api,
        "float64 data",
        lambda: tdtn(x_ref=xr.double(), eta=eta.double(), target=eta.double()),
        r"dtype|\.to\(",
    )

    def ckpt(damage: Callable[[str], None], other: Any = None) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "dtn.ckpt")
            tdtn(checkpoint=ck)
            damage(ck)
            return dc.train_dtn(other or dtn(), xr, eta, m, eta, epochs=2, batch_size=2, checkpoint=ck)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(api, "truncated checkpoint", lambda: ckpt(truncate), r"dtn\.ckpt")
    c.error(
        api, "text file as a checkpoint", lambda: ckpt(lambda p: open(p, "w").write("nope")), r"dtn\.ckpt"
    )
    c.error(
        api,
        "a torch file of another kind",
        lambda: ckpt(lambda p: torch.save({"state": 1}, p)),
        r"dtn\.ckpt.*(not a|checkpoint)",
    )
    c.error(
        api,
        "checkpoint of another model",
        lambda: ckpt(lambda p: None, other=dc.DTN(widths=(8, 16))),
        r"dtn\.ckpt.*(does not fit|another)",
    )
    failed_write(
        c,
        "dta_camouflage.train_dtn(checkpoint=...)",
        """
        import torch, dta_camouflage as dc
        x, m = torch.rand(2, 3, 8, 8), torch.ones(2, 1, 8, 8)
        def run(p, e):
            torch.manual_seed(0)
            dc.train_dtn(dc.DTN(widths=(4, 8)), x, x, m, x.flip(0), epochs=e, batch_size=2, checkpoint=p)
        def write_old(p):
            run(p, 1)
        def write_new(p):
            run(p, 2)
        def valid(p):
            assert torch.load(p, weights_only=False)["epoch"] == 1
        """,
        name="dtn.ckpt",
        limit=4096,
    )
    # detector
    api = "dta_camouflage.CarClassifier"
    hp(c, api, dc.CarClassifier, "widths", [(), (0, 8)])

    def clf() -> Any:
        torch.manual_seed(0)
        return dc.CarClassifier(widths=(4, 8))

    tensor_inputs(
        c,
        api + ".forward",
        lambda u: clf().eval()(u),
        xr,
        arg="images",
        shape_match=r"images must be|\(B, 3, H, W\)",
        last_dim=False,
    )
    c.error(api + ".forward", "1-channel images", lambda: clf()(R(2, 1, 8, 8)), r"\(B, 3, H, W\)")
    api = "dta_camouflage.train_detector"
    lab = torch.tensor([0.0, 1.0])

    def tdet(images: Any = xr, labels: Any = lab, **k: Any) -> Any:
        return dc.train_detector(clf(), images, labels, **({"epochs": 1, "batch_size": 2} | k))

    c.error(api, "labels (N, 1)", lambda: tdet(labels=lab[:, None]), r"labels must have shape")
    c.error(api, "labels 0/2", lambda: tdet(labels=torch.tensor([0.0, 2.0])), r"labels")
    c.error(api, "NaN in images", lambda: tdet(images=with_nan(xr)), FINITE)
    c.error(api, "NaN in labels", lambda: tdet(labels=torch.tensor([0.0, NAN])), FINITE + r"|labels")
    c.error(api, "images float64", lambda: tdet(images=xr.double()), r"dtype|\.to\(")
    c.error(api, "images=None", lambda: tdet(images=None), r"images|[Tt]ensor")
    hp(c, api, tdet, "epochs", [-1])
    hp(c, api, tdet, "batch_size", [0])
    api = "dta_camouflage.check_scores"
    c.error(api, "shape (2, 1)", lambda: dc.check_scores(torch.zeros(2, 1), 2), r"shape \(2,\)")
    c.error(api, "a list", lambda: dc.check_scores([0.1, 0.2], 2), r"shape \(2,\)")
    c.error(api, "NaN", lambda: dc.check_scores(torch.tensor([0.1, NAN]), 2), r"NaN")
    c.error(api, "logits", lambda: dc.check_scores(torch.tensor([0.1, 3.0]), 2), r"\[0, 1\]")
    # attack
    api = "dta_camouflage.attack_loss"
    c.error(api, "kind='hinge'", lambda: dc.attack_loss(torch.rand(2), "hinge"), r"loss|kind")
    c.error(api, "scores > 1", lambda: dc.attack_loss(torch.tensor([0.5, 1.5])), r"scores|\[0, 1\]")
    c.error(api, "scores NaN", lambda: dc.attack_loss(torch.tensor([0.5, NAN])), r"scores|NaN|finite")
    c.error(
        "dta_camouflage.total_variation", "tile 2-d", lambda: dc.total_variation(torch.rand(4, 4)), r"tile"
    )
    api = "dta_camouflage.CamouflageAttack"
    det = lambda u: u.mean((1, 2, 3))  # noqa: E731

    def A(**k: Any) -> Any:
        a = {"proxy": dc.RatioRenderer(), "detector": det, "pool": pool} | k
        return dc.CamouflageAttack(
            a.pop("proxy"),
            a.pop("detector"),
            a.pop("pool"),
            **({"tile_shape": (2, 2), "steps": 1, "batch_size": 2} | a),
        )

    hp(c, api, A, "batch_size", [0, 5])
    hp(c, api, A, "tile_shape", [(0, 4), (4,), (2.5, 2)])
    hp(c, api, A, "steps", [-1, 1.5])
    hp(c, api, A, "lr", [0.0, NAN])
    hp(c, api, A, "tv_weight", [-1.0, NAN])
    hp(c, api, A, "init_std", [-1.0, INF])
    hp(c, api, A, "loss", ["hinge"])
    hp(c, api, A, "detector", [None, "yolo"])
    hp(c, api, A, "proxy", [None])
    c.error(
        api + ".run",
        "detector returning (B, 1)",
        lambda: A(detector=lambda u: torch.zeros(len(u), 1)).run(),
        r"shape \(2,\)",
    )
    c.error(
        api + ".run",
        "detector returning logits",
        lambda: A(detector=lambda u: 5 * u.mean((1, 2, 3)) + 3).run(),
        r"\[0, 1\]",
    )
    c.accept(
        api + ".run",
        "steps=0",
        lambda: A(steps=0).run(),
        lambda r: r.tile.shape == (3, 2, 2) and r.losses == [],
        "the initial tile, no losses",
    )
    # evaluation
    api = "dta_camouflage.detection_rate"
    c.error(api, "no scores", lambda: dc.detection_rate(torch.zeros(0)), r"empty")
    c.error(api, "threshold NaN", lambda: dc.detection_rate(torch.rand(4), NAN), r"threshold")
    c.error(api, "scores 2-d", lambda: dc.detection_rate(torch.rand(4, 2)), r"scores")
    api = "dta_camouflage.evaluate_texture"
    c.error(
        api, "batch_size=0", lambda: dc.evaluate_texture(tile, pool, ren, det, batch_size=0), r"batch_size"
    )
    c.error(
        api, "threshold NaN", lambda: dc.evaluate_texture(tile, pool, ren, det, threshold=NAN), r"threshold"
    )
    c.error(api, "tile (h, w, 3)", lambda: dc.evaluate_texture(np.zeros((2, 2, 3)), pool, ren, det), r"tile")
    api = "dta_camouflage.proxy_scores"
    c.error(
        api,
        "batch_size=0",
        lambda: dc.proxy_scores(t, pool, dc.RatioRenderer(), det, batch_size=0),
        r"batch_size",
    )
    c.error(api, "tile a numpy array", lambda: dc.proxy_scores(tile, pool, dc.RatioRenderer(), det), r"tile")
    api = "dta_camouflage.NaiveRenderer"
    hp(c, api, dc.NaiveRenderer, "ambient", [-0.1, NAN])
    hp(c, api, dc.NaiveRenderer, "diffuse", [-1.0])
    hp(c, api, dc.NaiveRenderer, "light", [(0.0, 0.0, 0.0), (1.0, 2.0), (NAN, 0.0, 1.0)])
    c.error(
        api + ".forward",
        "normals of another shape",
        lambda: dc.NaiveRenderer()(xr, eta, m, xr[:1]),
        r"normals",
    )
    api = "dta_camouflage.RatioRenderer"
    hp(c, api, dc.RatioRenderer, "reference", [0.0, 1.5, NAN])
    c.error(
        api + ".forward", "eta of another shape", lambda: dc.RatioRenderer()(xr, eta[:1], m), r"eta|shape"
    )
    api = "dta_camouflage.reproduce.camouflage.Config"
    c.error(api, "size=30", lambda: camouflage.Config(size=30), r"camouflage\.size")
    c.error(api, "pool=0", lambda: camouflage.Config(pool=0), r"camouflage\.pool")
