"""Study ``bundled``: fully bundled SNNK networks fitted in closed form (ridge on the input tower Φ(x)) against a
back-propagated MLP, on digits (classification) and diabetes (regression), with scikit-learn's ``RBFSampler`` /
``Nystroem`` + ridge as peers at equal feature counts (the paper's bundling experiments).

Every closed-form model gets the same 3-fold alpha search (:mod:`snnk.reproduce.ridge_cv`); fit times are of
the final fit.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any

import numpy as np
import torch

from paperzoo_shared import mean_std
from paperzoo_shared.data import load_sklearn
from paperzoo_shared.runner import Context
from snnk.reproduce.common import (
    accuracy,
    check_positive_ints,
    digits_split,
    mlp,
    r2,
    standardize,
    tiny_study,
    train,
    train_digits_mlp,
)
from snnk.reproduce.ridge_cv import select_and_fit, tower_of

DIGITS = ("mlp", "b1", "b2", "rbf", "nys")  # MLP, bundled depth 1 and 2, RBFSampler, Nystroem
DIABETES = ("mlp", "b", "rbf", "nys")
PAPER_MATCH = "bundled nets match backprop-trained MLPs (paper's UCI bundling experiments; qualitative)"

Lists = dict[str, list[float]]


@dataclasses.dataclass(frozen=True)
class Config:
    digits_features: int = 1024  # m of the ReLU-SNNK towers and of the peers on digits
    diabetes_features: int = 512  # m of the cos-URF tower on diabetes (2m real features; peers get 2m)
    alphas: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)  # ridge alphas searched by 3-fold CV
    mlp_hidden: int = 256  # digits MLP 64-hidden-10
    mlp_epochs: int = 50
    diabetes_hidden: int = 64  # diabetes MLP 10-hidden-1
    diabetes_epochs: int = 200

    def __post_init__(self) -> None:
        check_positive_ints(
            "bundled",
            digits_features=self.digits_features,
            diabetes_features=self.diabetes_features,
            mlp_hidden=self.mlp_hidden,
            mlp_epochs=self.mlp_epochs,
            diabetes_hidden=self.diabetes_hidden,
            diabetes_epochs=self.diabetes_epochs,
        )
        if not self.alphas or any(not (isinstance(a, (int, float)) and a > 0) for a in self.alphas):
            raise ValueError(f"bundled.alphas must be a non-empty tuple of numbers > 0, got {self.alphas!r}")


def _digits_candidates(m: int, gamma: float, seed: int) -> dict[str, tuple[Any, Any, str]]:
    """(estimator, transform factory for the alpha search, alpha parameter) of each closed-form model."""
    from sklearn.kernel_approximation import Nystroem, RBFSampler
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import make_pipeline

    from snnk.bundled import BundledClassifier

    b1 = BundledClassifier("relu", num_features=m, random_state=seed)
    b2 = BundledClassifier("relu", num_features=m, depth=2, random_state=seed)
    return {
        "b1": (b1, functools.partial(tower_of, b1), "alpha"),
        "b2": (b2, functools.partial(tower_of, b2), "alpha"),
        "rbf": (
            make_pipeline(RBFSampler(gamma=gamma, n_components=m, random_state=seed), RidgeClassifier()),
            lambda: RBFSampler(gamma=gamma, n_components=m, random_state=seed),
            "ridgeclassifier__alpha",
        ),
        "nys": (
            make_pipeline(Nystroem(gamma=gamma, n_components=m, random_state=seed), RidgeClassifier()),
            lambda: Nystroem(gamma=gamma, n_components=m, random_state=seed),
            "ridgeclassifier__alpha",
        ),
    }


def _digits_seed(cfg: Config, seed: int) -> tuple[dict[str, float], dict[str, float]]:
    """Test accuracy and fit time of every digits model for one seed."""
    from sklearn.metrics import accuracy_score

    xtr, xte, ytr, yte = digits_split(seed)
    net, mlp_time = train_digits_mlp(xtr, ytr, hidden=cfg.mlp_hidden, epochs=cfg.mlp_epochs, seed=seed)
    a_tr, a_te, b_tr, b_te = xtr.numpy(), xte.numpy(), ytr.numpy(), yte.numpy()
    acc, fit_t = {}, {}
    candidates = _digits_candidates(cfg.digits_features, 1.0 / a_tr.shape[1], seed)
    for key, (est, make_t, param) in candidates.items():
        final, t = select_and_fit(est, make_t, param, a_tr, b_tr, cfg.alphas, classify=True, seed=seed)
        acc[key] = float(accuracy_score(b_te, final.predict(a_te)))
        fit_t[key] = t
    acc["mlp"], fit_t["mlp"] = accuracy(net, xte, yte), mlp_time
    return acc, fit_t


def _diabetes_candidates(cfg: Config, x: np.ndarray, seed: int) -> dict[str, tuple[Any, Any, str]]:
    from sklearn.kernel_approximation import Nystroem, RBFSampler
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    from snnk.bundled import BundledRegressor

    md, gamma = cfg.diabetes_features, 1.0 / x.shape[1]
    # URF inputs must be scaled (spec pitfall #1): put every training input inside the unit ball
    scale = 1.0 / float(np.linalg.norm(x, axis=1).max())
    breg = BundledRegressor("cos", num_features=md, random_state=seed, feature_kwargs={"input_scale": scale})
    nc = min(2 * md, len(x) * 2 // 3)
    return {
        "b": (breg, functools.partial(tower_of, breg), "alpha"),
        "rbf": (
            make_pipeline(RBFSampler(gamma=gamma, n_components=2 * md, random_state=seed), Ridge()),
            lambda: RBFSampler(gamma=gamma, n_components=2 * md, random_state=seed),
            "ridge__alpha",
        ),
        "nys": (
            make_pipeline(Nystroem(gamma=gamma, n_components=nc, random_state=seed), Ridge()),
            lambda: Nystroem(gamma=gamma, n_components=nc, random_state=seed),
            "ridge__alpha",
        ),
    }


def _diabetes_seed(
    cfg: Config, seed: int, x: torch.Tensor, y: torch.Tensor
) -> tuple[dict[str, float], dict[str, float]]:
    """Test R² and fit time of every diabetes model for one seed (a random 70/30 split drawn with ``seed``)."""
    perm = np.random.default_rng(seed).permutation(len(x))
    nte = int(round(0.3 * len(x)))
    te, tr = perm[:nte], perm[nte:]
    dtr, dte = standardize(x[tr], x[te])
    ymu, ysd = float(y[tr].mean()), float(y[tr].std())
    torch.manual_seed(seed)
    reg = mlp(10, cfg.diabetes_hidden, 1)
    t0 = time.perf_counter()
    train(reg, dtr, (y[tr] - ymu) / ysd, epochs=cfg.diabetes_epochs, seed=seed, batch=32, loss="mse")
    mlp_time = time.perf_counter() - t0
    with torch.no_grad():
        pred = reg(dte).squeeze(-1).numpy() * ysd + ymu
    mlp_r2 = r2(pred, y[te].numpy())
    dn_tr, dn_te, yn_tr, yn_te = dtr.numpy(), dte.numpy(), y[tr].numpy(), y[te].numpy()
    scores, fit_t = {}, {}
    for key, (est, make_t, param) in _diabetes_candidates(cfg, dn_tr, seed).items():
        final, t = select_and_fit(est, make_t, param, dn_tr, yn_tr, cfg.alphas, classify=False, seed=seed)
        scores[key] = r2(final.predict(dn_te), yn_te)
        fit_t[key] = t
    scores["mlp"], fit_t["mlp"] = mlp_r2, mlp_time
    return scores, fit_t


def run(cfg: Config, ctx: Context) -> None:
    with tiny_study(ctx):
        xd, yd = load_sklearn("diabetes")
        acc: dict[str, list[float]] = {k: [] for k in DIGITS}
        fit_t: dict[str, list[float]] = {k: [] for k in DIGITS}
        r2s: dict[str, list[float]] = {k: [] for k in DIABETES}
        r2_t: dict[str, list[float]] = {k: [] for k in DIABETES}
        for seed in ctx.progress(ctx.seeds, desc="bundled vs MLP"):
            a, t = _digits_seed(cfg, seed)
            s, u = _diabetes_seed(cfg, seed, xd, yd)
            for k in DIGITS:
                acc[k].append(a[k])
                fit_t[k].append(t[k])
            for k in DIABETES:
                r2s[k].append(s[k])
                r2_t[k].append(u[k])
            # per-seed names and order as in the committed results
            metrics = {f"digits_acc_{k}": a[k] for k in ("b1", "b2", "rbf", "nys", "mlp")}
            metrics.update({f"diabetes_r2_{k}": s[k] for k in ("b", "rbf", "nys", "mlp")})
            ctx.add_seed(seed, metrics)
        for k, v in acc.items():
            ctx.set_summary(f"digits_acc_{k}", mean_std(v))
        for k, v in r2s.items():
            ctx.set_summary(f"diabetes_r2_{k}", mean_std(v))
        _rows_and_criteria(cfg, ctx, acc, fit_t, r2s)
        _peer_table(cfg, ctx, acc, fit_t, r2s, r2_t)


def _rows_and_criteria(cfg: Config, ctx: Context, acc: Lists, fit_t: Lists, r2s: Lists) -> None:
    m = cfg.digits_features
    mlp_params = 64 * cfg.mlp_hidden + cfg.mlp_hidden + cfg.mlp_hidden * 10 + 10
    bundled_params = 10 * m + 10
    mlp_acc = mean_std(acc["mlp"])
    ctx.add_row(
        f"digits, fully bundled ReLU-SNNK (m={m}), closed form",
        "test accuracy",
        mean_std(acc["b1"]),
        paper=PAPER_MATCH,
        baseline=mlp_acc,
    )
    ctx.add_row(
        f"digits, bundled depth-2 ReLU-SNNK tower (m={m}), closed form",
        "test accuracy",
        mean_std(acc["b2"]),
        paper=PAPER_MATCH,
        baseline=mlp_acc,
    )
    ctx.add_row(
        f"digits, bundled (m={m}) vs MLP 64-{cfg.mlp_hidden}-10",
        "trainable params (bundled / MLP)",
        {"mean": bundled_params, "std": 0.0, "n": 1},
        paper="~30x compression (reviews, UCI regression)",
        baseline=f"{mlp_params} (MLP)",
    )
    ctx.add_row(
        f"digits, bundled (m={m}) closed-form fit",
        "fit time s (final fit)",
        mean_std(fit_t["b1"]),
        paper=None,
        baseline=mean_std(fit_t["mlp"]),
    )
    ctx.add_row(
        f"diabetes, fully bundled cos-URF (m={cfg.diabetes_features}), closed form",
        "test R²",
        mean_std(r2s["b"]),
        paper=PAPER_MATCH,
        baseline=mean_std(r2s["mlp"]),
    )
    acc_b1, acc_mlp = float(np.mean(acc["b1"])), float(np.mean(acc["mlp"]))
    ctx.add_criterion("digits: bundled acc >= 0.95", acc_b1 >= 0.95, f"bundled {acc_b1:.4f}")
    ctx.add_criterion(
        "digits: bundled acc >= MLP - 2 pts",
        acc_b1 >= acc_mlp - 0.02,
        f"bundled {acc_b1:.4f} vs MLP {acc_mlp:.4f}",
    )
    tb = float(np.mean(fit_t["b1"]))
    ctx.add_criterion("digits: bundled closed-form fit <= 2 s", tb <= 2.0, f"{tb:.3f} s")
    rb, rm = float(np.mean(r2s["b"])), float(np.mean(r2s["mlp"]))
    ctx.add_criterion(
        "diabetes: bundled R² >= MLP R² - 0.05", rb >= rm - 0.05, f"bundled {rb:.4f} vs MLP {rm:.4f}"
    )


def _line(task: str, method: str, features: str, score: list[float], t: list[float], t_ref: float) -> list:
    return [task, method, features, mean_std(score), mean_std(t), f"{np.mean(t) / t_ref:.2f}x"]


def _peer_table(cfg: Config, ctx: Context, acc: Lists, fit_t: Lists, r2s: Lists, r2_t: Lists) -> None:
    """Accuracy / R² and fit time of every method, times relative to the SNNK model of the task."""
    m, md = cfg.digits_features, cfg.diabetes_features
    t_ref = float(np.mean(fit_t["b1"]))
    digits = [
        ("b1", f"snnk BundledClassifier relu m={m}", f"{m}"),
        ("b2", f"snnk BundledClassifier relu depth 2, m={m}", f"{m}"),
        ("rbf", "sklearn RBFSampler + RidgeClassifier", f"{m}"),
        ("nys", "sklearn Nystroem + RidgeClassifier", f"{m}"),
        ("mlp", f"MLP 64-{cfg.mlp_hidden}-10, Adam, {cfg.mlp_epochs} epochs", "—"),
    ]
    rows = [_line("digits", name, feats, acc[k], fit_t[k], t_ref) for k, name, feats in digits]
    rows[0][-1] = "1.00x"
    t_ref_d = float(np.mean(r2_t["b"]))
    diabetes = [
        ("b", f"snnk BundledRegressor cos-URF m={md}", f"{2 * md}"),
        ("rbf", "sklearn RBFSampler + Ridge", f"{2 * md}"),
        ("nys", "sklearn Nystroem + Ridge", f"≤{2 * md} (≤ n_train)"),
        ("mlp", f"MLP 10-{cfg.diabetes_hidden}-1, Adam, {cfg.diabetes_epochs} epochs", "—"),
    ]
    first = len(rows)
    rows += [_line("diabetes (R²)", name, feats, r2s[k], r2_t[k], t_ref_d) for k, name, feats in diabetes]
    rows[first][-1] = "1.00x"
    ctx.add_table("peers", ["task", "method", "features", "accuracy / R²", "fit s", "fit time / snnk"], rows)
