"""Bad-input cases of sd-darts: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import torch
from torch import nn

from .common import FINITE, INF, NAN, R, failed_write, has_nan, hp, tensor_inputs, with_nan


def cases(c: Any) -> None:
    import darts_core as dc
    import sd_darts

    def tiny(C: int = 4) -> Any:
        torch.manual_seed(0)
        return dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1)

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)
    xv, yv = torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)
    B, V = [(x, y)], [(xv, yv)]

    # ------------------------------------------------------------------ SDArchitect
    api = "sd_darts.SDArchitect"
    mk = lambda **k: sd_darts.SDArchitect(tiny(), **k)  # noqa: E731
    hp(c, api, mk, "k", [-1, 1.5, "3", True])
    hp(c, api, mk, "interval", [0, 1.5])
    hp(c, api, mk, "lam", [-0.5, NAN, INF, "1"])
    hp(c, api, mk, "tau", [0.0, -1.0, NAN, INF, "1"])
    hp(c, api, mk, "vote", ["median", None])
    hp(c, api, mk, "teacher", ["best"])
    hp(c, api, mk, "distill_alpha", ["yes"])
    hp(c, api, mk, "include_alpha", ["no"])
    hp(c, api, mk, "order", [3])
    hp(c, api, mk, "arch_lr", [0.0])
    hp(c, api, lambda **k: mk(teacher="ema", **k), "ema_momentum", [1.0, -0.1, NAN], r"momentum")
    hp(c, api, mk, "ema_momentum", [1.5], r"momentum")
    c.error(api, "unknown keyword", lambda: mk(temperature=2.0), r"temperature")
    c.warn(api, "k with teacher='ema'", lambda: mk(teacher="ema", k=3), r"unused")
    c.error(api, "a plain nn.Linear", lambda: sd_darts.SDArchitect(nn.Linear(2, 2)), r"model|Searchable|arch")
    c.error(
        api + ".load_state_dict",
        "a plain darts-core architect's state",
        lambda: mk().load_state_dict(dc.Architect(tiny()).state_dict()),
        r"SDArchitect|teacher",
    )
    c.error(
        api + ".load_state_dict",
        "the state of an architect with another k",
        lambda: mk(k=2).load_state_dict(mk(k=3).state_dict()),
        r"k=",
    )

    # ------------------------------------------------------------------ sd_search
    api = "sd_darts.sd_search"
    c.error(api, "epochs=0", lambda: sd_darts.sd_search(tiny(), B, V, 0), r"epochs")
    c.error(api, "empty train_loader", lambda: sd_darts.sd_search(tiny(), [], V, 1), r"train_loader")
    c.error(
        api,
        "NaN in the training images",
        lambda: sd_darts.sd_search(tiny(), [(with_nan(x), y)], V, 1),
        r"non-finite",
    )
    c.error(
        api,
        "inf in the validation images",
        lambda: sd_darts.sd_search(tiny(), B, [(with_nan(xv, INF), yv)], 1),
        r"non-finite",
    )
    c.error(
        api, "architect= given", lambda: sd_darts.sd_search(tiny(), B, V, 1, architect=None), r"architect"
    )
    c.error(api, "unknown keyword", lambda: sd_darts.sd_search(tiny(), B, V, 1, shuffle=True), r"shuffle")
    c.error(api, "tau=0", lambda: sd_darts.sd_search(tiny(), B, V, 1, tau=0.0), r"tau")
    c.error(api, "a string as model", lambda: sd_darts.sd_search("darts", B, V, 1), r"model")
    c.accept(
        api,
        "k=0 (no teacher: plain DARTS)",
        lambda: sd_darts.sd_search(tiny(), B, V, 1, k=0),
        lambda r: len(r.history) == 1,
        "a DARTS search",
    )
    c.error(
        api,
        "float64 images",
        lambda: sd_darts.sd_search(tiny(), [(x.double(), y)], V, 1),
        r"dtype.*(differs|must)|\.to\(|floating",
    )

    def resume(first: dict[str, Any], second: dict[str, Any]) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "search.ckpt")
            if first.pop("plain", False):
                dc.search(tiny(), B, V, 1, checkpoint_path=ck)
            else:
                sd_darts.sd_search(tiny(), B, V, 1, checkpoint_path=ck, **first)
            return sd_darts.sd_search(tiny(), B, V, 2, checkpoint_path=ck, resume=True, **second)

    c.error(
        api,
        "resume from a plain DARTS checkpoint",
        lambda: resume({"plain": True}, {}),
        r"SDArchitect|SD-DARTS",
    )
    c.error(api, "resume with another k", lambda: resume({"k": 1}, {"k": 2}), r"k=")
    c.warn(
        api,
        "resume a lam=2 checkpoint with lam=1",
        lambda: resume({"lam": 2.0}, {"lam": 1.0}),
        r"lam",
        match=r"lam",
    )
    c.warn(
        api,
        "resume a tau=4 checkpoint with tau=1",
        lambda: resume({"tau": 4.0}, {"tau": 1.0}),
        r"tau",
        match=r"tau",
    )
    failed_write(
        c,
        "sd_darts.sd_search(checkpoint_path=...)",
        """
        import torch, darts_core as dc, sd_darts
        def model(C):
            torch.manual_seed(0)
            return dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1)
        g = torch.Generator().manual_seed(0)
        T = [(torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g))]
        V = [(torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g))]
        def write_old(p):
            sd_darts.sd_search(model(4), T, V, 1, checkpoint_path=p)
        def write_new(p):
            sd_darts.sd_search(model(16), T, V, 1, checkpoint_path=p)
        def valid(p):
            dc.load_checkpoint(p, model(4))
        """,
        name="search.ckpt",
    )

    # ------------------------------------------------------------------ the loss
    api = "sd_darts.self_distillation_loss"
    z = R(4, 5)
    p5 = torch.softmax(R(4, 5, seed=1), -1)
    tensor_inputs(
        c,
        api,
        lambda t: sd_darts.self_distillation_loss(
            t, p5[: len(t)] if isinstance(t, torch.Tensor) and t.dim() == 2 and t.shape[-1] == 5 else p5
        ),
        z,
        arg="student_logits",
        shape_match=r"student_logits|teacher_probs|shape",
        cast=True,
        empty=False,
        nan=False,
    )
    c.error(
        api, "an empty batch (batchmean)", lambda: sd_darts.self_distillation_loss(z[:0], p5[:0]), r"empty"
    )
    c.accept(
        api,
        "an empty batch (reduction='none')",
        lambda: sd_darts.self_distillation_loss(z[:0], p5[:0], reduction="none"),
        lambda r: r.shape == (0,),
        "an empty answer",
        match=r"empty",
    )
    c.accept(
        api,
        "NaN in student_logits",
        lambda: sd_darts.self_distillation_loss(with_nan(z), p5),
        has_nan,
        "the NaN propagates",
        match=FINITE,
    )
    hp(c, api, lambda **k: sd_darts.self_distillation_loss(z, p5, **k), "tau", [0.0, NAN, "1"])
    hp(c, api, lambda **k: sd_darts.self_distillation_loss(z, p5, **k), "reduction", ["sum", "mean"])
    c.error(
        api,
        "teacher logits instead of probabilities",
        lambda: sd_darts.self_distillation_loss(z, R(4, 5, seed=2)),
        r"teacher_probs.*(sum|probab|negative|>= ?0)",
    )
    c.error(
        api,
        "teacher rows summing to 2",
        lambda: sd_darts.self_distillation_loss(z, 2 * p5),
        r"teacher_probs.*(sum|probab)",
    )
    c.error(
        api,
        "NaN in teacher_probs",
        lambda: sd_darts.self_distillation_loss(z, with_nan(p5)),
        r"teacher_probs",
    )
    c.error(api, "teacher_probs=None", lambda: sd_darts.self_distillation_loss(z, None), r"teacher_probs")
    c.accept(
        api,
        "one-hot int64 teacher",
        lambda: sd_darts.self_distillation_loss(z, nn.functional.one_hot(torch.arange(4) % 5, 5)),
        lambda r: bool(torch.isfinite(r)) and float(r) >= 0,
        "a hard (majority-vote) teacher is allowed",
    )

    # ------------------------------------------------------------------ vote / teachers
    api = "sd_darts.vote"
    P = [p5, torch.softmax(R(4, 5, seed=3), -1)]
    c.error(api, "a stacked tensor", lambda: sd_darts.vote(torch.stack(P)), r"probs")
    c.error(api, "an empty list", lambda: sd_darts.vote([]), r"probs|non-empty")
    c.error(api, "mode='soft'", lambda: sd_darts.vote(P, "soft"), r"vote|mode")
    c.error(api, "shapes differ", lambda: sd_darts.vote([p5, p5[:, :4]]), r"shape")
    c.error(api, "a None among the teachers", lambda: sd_darts.vote([p5, None]), r"probs")
    c.error(api, "1-d probabilities", lambda: sd_darts.vote([p5[0]]), r"\(N, C\)")
    c.error(
        api,
        "int64 one-hot votes (mean)",
        lambda: sd_darts.vote([nn.functional.one_hot(torch.arange(4) % 5, 5)] * 2),
        r"probs.*(float|dtype)",
    )
    c.accept(api, "NaN in one teacher", lambda: sd_darts.vote([with_nan(p5), p5]), has_nan, "propagates")
    api = "sd_darts.SnapshotTeacher"
    hp(c, api, lambda **k: sd_darts.SnapshotTeacher(**k), "k", [-1, 1.5, True])
    hp(c, api, lambda **k: sd_darts.SnapshotTeacher(**k), "interval", [0, "1"])
    hp(c, api, lambda **k: sd_darts.SnapshotTeacher(**k), "include_alpha", ["no", None])
    c.error(
        api + ".predict",
        "before it is ready",
        lambda: sd_darts.SnapshotTeacher(k=2).predict(tiny(), x),
        r"ready",
    )

    def ready_teacher() -> Any:
        t = sd_darts.SnapshotTeacher(k=1)
        t.observe(tiny())
        return t

    c.error(
        api + ".predict",
        "a snapshot of another model",
        lambda: ready_teacher().predict(tiny(6), x),
        r"snapshot.*(model|fit|shape)",
    )
    c.error(api + ".predict", "tau=0", lambda: ready_teacher().predict(tiny(), x, tau=0.0), r"tau")
    c.error(
        api + ".predict",
        "vote_mode='soft'",
        lambda: ready_teacher().predict(tiny(), x, vote_mode="soft"),
        r"vote",
    )
    tensor_inputs(
        c,
        api + ".predict",
        lambda t: ready_teacher().predict(tiny(), t),
        x,
        shape_match=r"x|in_channels|shape|\(N",
        last_dim=False,
        cast=True,
    )
    c.error(
        api + ".load_state_dict",
        "an EMA teacher's state",
        lambda: sd_darts.SnapshotTeacher().load_state_dict(sd_darts.EMATeacher().state_dict()),
        r"SnapshotTeacher|kind",
    )
    api = "sd_darts.EMATeacher"
    hp(c, api, lambda **k: sd_darts.EMATeacher(**k), "momentum", [1.0, -0.1, NAN, "0.9"], r"momentum")
    hp(c, api, lambda **k: sd_darts.EMATeacher(**k), "include_alpha", ["yes"])
    c.error(
        api + ".load_state_dict",
        "a snapshot teacher's state",
        lambda: sd_darts.EMATeacher().load_state_dict(sd_darts.SnapshotTeacher().state_dict()),
        r"EMATeacher|kind",
    )
    api = "sd_darts.take_snapshot"
    c.error(api, "a string as model", lambda: sd_darts.take_snapshot("model"), r"model")
    c.error(
        api,
        "include_alpha='no'",
        lambda: sd_darts.take_snapshot(tiny(), include_alpha="no"),
        r"include_alpha",
    )

    # ------------------------------------------------------------------ measurements
    api = "sd_darts.power_iteration"
    A = torch.diag(torch.tensor([3.0, 1.0]))
    mv = lambda v: [A @ v[0]]  # noqa: E731
    tmpl = [torch.zeros(2)]
    hp(c, api, lambda **k: sd_darts.power_iteration(mv, tmpl, **k), "iters", [0, 1.5, True])
    hp(c, api, lambda **k: sd_darts.power_iteration(mv, tmpl, **k), "tol", [0.0, -1.0, NAN])
    hp(c, api, lambda **k: sd_darts.power_iteration(mv, tmpl, **k), "seed", ["a", 1.5])
    c.error(api, "an empty template", lambda: sd_darts.power_iteration(mv, []), r"template")
    c.error(api, "matvec not callable", lambda: sd_darts.power_iteration("A", tmpl), r"matvec")
    c.error(
        api,
        "matvec of the wrong shape",
        lambda: sd_darts.power_iteration(lambda v: [torch.ones(3)], tmpl),
        r"matvec.*shape",
    )
    c.warn(
        api,
        "a matvec giving NaN",
        lambda: sd_darts.power_iteration(lambda v: [v[0] * NAN], tmpl),
        FINITE,
        match=FINITE,
    )
    api = "sd_darts.dominant_hessian_eigenvalue"
    hp(
        c,
        api,
        lambda **k: sd_darts.dominant_hessian_eigenvalue(tiny(), V, **k),
        "params",
        ["beta", []],
        r"params",
    )
    hp(c, api, lambda **k: sd_darts.dominant_hessian_eigenvalue(tiny(), V, **k), "iters", [0])
    c.error(api, "batches=[]", lambda: sd_darts.dominant_hessian_eigenvalue(tiny(), []), r"batches")
    c.error(
        api,
        "NaN in a batch",
        lambda: sd_darts.dominant_hessian_eigenvalue(tiny(), [(with_nan(xv), yv)]),
        r"batches.*NaN",
    )
    c.error(
        api,
        "tensors instead of (x, y) batches",
        lambda: sd_darts.dominant_hessian_eigenvalue(tiny(), [xv]),
        r"batches.*\(x, ?y\)",
    )
    c.error(
        api,
        "a model without arch_parameters",
        lambda: sd_darts.dominant_hessian_eigenvalue(nn.Linear(2, 2), V),
        r"arch_parameters",
    )
    api = "sd_darts.discretization_gap"
    c.error(api, "an nn.Linear", lambda: sd_darts.discretization_gap(nn.Linear(2, 2), V), r"Supernet")
    c.error(api, "loader=[]", lambda: sd_darts.discretization_gap(tiny(), []), r"loader")
    c.error(
        api,
        "a genotype string that does not parse",
        lambda: sd_darts.discretization_gap(tiny(), V, "garbage"),
        r"genotype",
    )
    c.error(
        api,
        "a genotype of another space",
        lambda: sd_darts.discretization_gap(tiny(), V, dc.Genotype.from_str("|conv_9x9~0|+|none~0|none~1|")),
        r"genotype|space|conv_9x9",
    )
    api = "sd_darts.genotype_weights"
    geno = dc.Genotype.from_str("|nor_conv_3x3~0|+|none~0|skip_connect~1|")
    c.error(
        api, "a string", lambda: sd_darts.genotype_weights("nor_conv_3x3", dc.nb_digits_space()), r"genotype"
    )
    c.error(api, "like=3.0", lambda: sd_darts.genotype_weights(geno, dc.nb_digits_space(), like=3.0), r"like")
    c.error(
        api, "space as a string", lambda: sd_darts.genotype_weights(geno, "nb_digits"), r"space|CellSpace"
    )
    c.error(
        api,
        "a genotype of another space",
        lambda: sd_darts.genotype_weights(geno, dc.DARTS_SPACE),
        r"genotype|space",
    )

    from sd_darts.reproduce import long_search

    c.error("sd_darts.reproduce.long_search.Config", "tau=0", lambda: long_search.Config(tau=0.0), r"tau")
    c.error(
        "sd_darts.reproduce.long_search.Config",
        "workers=0",
        lambda: long_search.Config(workers=0),
        r"workers",
    )
