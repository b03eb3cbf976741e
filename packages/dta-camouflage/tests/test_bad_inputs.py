"""Bad input gets a clear error naming the argument."""

import numpy as np
import pytest
import torch

import dta_camouflage as dc
from dta_camouflage.reproduce import camouflage


def test_tile_shape_and_range():
    r = dc.ToyCarRenderer(size=8)
    p = dc.SceneParams()
    with pytest.raises(ValueError, match=r"tile must have shape \(3, h, w\)"):
        r.render(p, np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        r.render(p, np.full((3, 2, 2), 1.5))
    with pytest.raises(ValueError, match="NaN"):
        r.render(p, np.full((3, 2, 2), np.nan))
    with pytest.raises(ValueError, match="tile must have shape"):
        dc.project_texture(torch.rand(4, 4, 3), torch.rand(1, 4, 4, 2), torch.ones(1, 4, 4))
    with pytest.raises(ValueError, match="tile contains NaN"):
        dc.project_texture(torch.full((3, 2, 2), float("nan")), torch.rand(1, 4, 4, 2), torch.ones(1, 4, 4))


def test_renderer_refuses_torch_tiles():
    with pytest.raises(TypeError, match="intentionally non-differentiable"):
        dc.ToyCarRenderer(size=8).render(dc.SceneParams(), torch.rand(3, 2, 2, requires_grad=True))


def test_renderer_arguments():
    with pytest.raises(ValueError, match="size"):
        dc.ToyCarRenderer(size=2)
    with pytest.raises(ValueError, match="object"):
        dc.ToyCarRenderer(size=8).render(dc.SceneParams(), object="truck")
    with pytest.raises(ValueError, match=r"ranges.cam_elevation: low must be <= high"):
        dc.SceneRanges(cam_elevation=(40.0, 8.0))


def test_dtn_size_must_divide():
    with pytest.raises(ValueError, match="image_size must be a multiple of 4"):
        dc.DTN(widths=(8, 16, 32), image_size=30)
    with pytest.raises(ValueError, match="multiple of 4"):
        dc.DTN(widths=(8, 16, 32))(torch.rand(1, 3, 6, 6), torch.rand(1, 3, 6, 6), torch.ones(1, 1, 6, 6))


def test_detector_output_is_checked():
    pool = dc.EOTPool(4, dc.ToyCarRenderer(size=8), np.random.default_rng(0))
    bad_shape = dc.CamouflageAttack(
        dc.RatioRenderer(), lambda x: torch.zeros(len(x), 1), pool, tile_shape=(2, 2), steps=1, batch_size=2
    )
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        bad_shape.run()
    logits = dc.CamouflageAttack(
        dc.RatioRenderer(),
        lambda x: 5 * x.mean((1, 2, 3)) + 3,
        pool,
        tile_shape=(2, 2),
        steps=1,
        batch_size=2,
    )
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        logits.run()


def test_pool_and_batch():
    with pytest.raises(ValueError, match="pool size"):
        dc.EOTPool(0, dc.ToyCarRenderer(size=8), np.random.default_rng(0))
    pool = dc.EOTPool(3, dc.ToyCarRenderer(size=8), np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size"):
        dc.CamouflageAttack(dc.RatioRenderer(), lambda x: x.mean((1, 2, 3)), pool, batch_size=4)
    with pytest.raises(ValueError, match="loss"):
        dc.CamouflageAttack(dc.RatioRenderer(), lambda x: x.mean((1, 2, 3)), pool, batch_size=2, loss="hinge")


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="camouflage.size"):
        camouflage.Config(size=30)
    with pytest.raises(ValueError, match="camouflage.pool"):
        camouflage.Config(pool=0)


def test_scene_params_and_tile_types_are_checked():
    r = dc.ToyCarRenderer(size=8)
    for kw in ({"fov": 0.0}, {"cam_distance": 0.0}, {"noise_sigma": -0.1}, {"exposure": float("nan")}):
        with pytest.raises(ValueError, match=next(iter(kw))):
            r.render(dc.SceneParams(**kw))
    with pytest.raises(TypeError, match="tile must be a numpy array"):
        r.render(dc.SceneParams(), "red")
    with pytest.raises(ValueError, match="tile_shape"):
        dc.random_texture(np.random.default_rng(0), (0, 4))
    with pytest.raises(TypeError, match="rng"):
        dc.random_texture(0)
    with pytest.raises(TypeError, match="renderer"):
        dc.EOTPool(2, "toy", np.random.default_rng(0))
    with pytest.raises(ValueError, match="uv contains NaN"):
        dc.project_texture(
            torch.full((3, 2, 2), 0.5), torch.full((1, 4, 4, 2), float("nan")), torch.ones(1, 4, 4)
        )


def test_models_check_input_type_dtype_and_device():
    x, m = torch.rand(2, 3, 8, 8), torch.ones(2, 1, 8, 8)
    dtn = dc.DTN(widths=(4, 8))
    with pytest.raises(TypeError, match=r"x_ref dtype torch.float64 differs.*\.to\("):
        dtn(x.double(), x.double(), m)
    with pytest.raises(TypeError, match="eta must be a torch.Tensor"):
        dtn(x, None, m)
    with pytest.raises(ValueError, match="device cpu but the DTN is on meta"):
        dtn.to("meta")(x, x, m)
    clf = dc.CarClassifier(widths=(4, 8))
    with pytest.raises(TypeError, match="images dtype torch.int64 differs"):
        clf(x.long())
    with pytest.raises(ValueError, match="device cpu but the model is on meta"):
        clf.to("meta")(x)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cpu_input_to_cuda_models_names_the_device():
    x, m = torch.rand(2, 3, 8, 8), torch.ones(2, 1, 8, 8)
    with pytest.raises(ValueError, match="device cpu but the DTN is on cuda"):
        dc.DTN(widths=(4, 8)).cuda()(x, x, m)
    with pytest.raises(ValueError, match="device cpu but the model is on cuda"):
        dc.CarClassifier(widths=(4, 8)).cuda()(x)


def test_losses_and_metrics_refuse_broadcasting():
    x, m = torch.rand(2, 3, 8, 8), torch.ones(2, 1, 8, 8)
    with pytest.raises(ValueError, match="same shape"):
        dc.dtn_loss(x, x[:1], m)
    with pytest.raises(ValueError, match="mse_weight"):
        dc.dtn_loss(x, x, m, mse_weight=-1.0)
    with pytest.raises(ValueError, match="same shape"):
        dc.masked_psnr(x, x[:1], m)
    with pytest.raises(ValueError, match="mask is empty"):
        dc.masked_psnr(x, x, m * 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        dc.attack_loss(torch.tensor([0.5, 1.5]))
    with pytest.raises(ValueError, match="tile must be a tensor of shape"):
        dc.total_variation(torch.rand(4, 4))
    with pytest.raises(ValueError, match="threshold"):
        dc.detection_rate(torch.rand(4), float("nan"))
    with pytest.raises(ValueError, match=r"scores must be a tensor of shape \(N,\)"):
        dc.detection_rate(torch.rand(4, 2))
    with pytest.raises(ValueError, match="x_ref and eta"):
        dc.RatioRenderer()(x, x[:1], m)
    with pytest.raises(ValueError, match="light"):
        dc.NaiveRenderer(light=(float("nan"), 0.0, 1.0))


def test_training_arguments_labels_and_checkpoints(tmp_path):
    x, m = torch.rand(2, 3, 8, 8), torch.ones(2, 1, 8, 8)
    dtn = dc.DTN(widths=(4, 8))
    with pytest.raises(ValueError, match="epochs"):
        dc.train_dtn(dtn, x, x, m, x, epochs=1.5)
    with pytest.raises(ValueError, match="lr"):
        dc.train_dtn(dtn, x, x, m, x, lr=float("nan"))
    with pytest.raises(TypeError, match="torch.Tensor"):
        dc.train_dtn(dtn, None, x, m, x)
    clf = dc.CarClassifier(widths=(4, 8))
    with pytest.raises(ValueError, match="labels must be 0"):
        dc.train_detector(clf, x, torch.tensor([0.0, 2.0]), epochs=1)
    ck = tmp_path / "dtn.ckpt"
    ck.write_text("nope")
    with pytest.raises(ValueError, match="cannot read the checkpoint.*dtn.ckpt"):
        dc.train_dtn(dtn, x, x, m, x, epochs=1, checkpoint=ck)
    torch.save({"state": 1}, ck)
    with pytest.raises(ValueError, match="not a dta-camouflage training checkpoint"):
        dc.train_dtn(dtn, x, x, m, x, epochs=1, checkpoint=ck)
    ck.unlink()
    dc.train_dtn(dtn, x, x, m, x, epochs=1, batch_size=2, checkpoint=ck)
    with pytest.raises(ValueError, match="does not fit this model"):
        dc.train_dtn(dc.DTN(widths=(8, 16)), x, x, m, x, epochs=2, checkpoint=ck)


def test_attack_and_evaluation_arguments():
    pool = dc.EOTPool(2, dc.ToyCarRenderer(size=8), np.random.default_rng(0))
    det = lambda u: u.mean((1, 2, 3))  # noqa: E731
    for kw, match in (
        ({"steps": 1.5}, "steps"),
        ({"lr": float("nan")}, "lr"),
        ({"tile_shape": (2.5, 2)}, "tile_shape"),
    ):
        with pytest.raises(ValueError, match=match):
            dc.CamouflageAttack(dc.RatioRenderer(), det, pool, batch_size=2, **kw)
    with pytest.raises(TypeError, match="detector must be callable"):
        dc.CamouflageAttack(dc.RatioRenderer(), "yolo", pool, batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        dc.evaluate_texture(np.full((3, 2, 2), 0.5), pool, dc.ToyCarRenderer(size=8), det, batch_size=0)
    with pytest.raises(TypeError, match="tile must be a torch.Tensor"):
        dc.proxy_scores(np.full((3, 2, 2), 0.5), pool, dc.RatioRenderer(), det)
