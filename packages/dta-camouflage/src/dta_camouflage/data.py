"""Datasets from the renderer: DTN training pairs, detector images, and the cached EOT pool of scenes."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from dta_camouflage.projection import project_texture
from dta_camouflage.render import (
    DEFAULT_RANGES,
    RenderResult,
    SceneParams,
    SceneRanges,
    ToyCarRenderer,
    sample_scene,
)

# natural paints the detector is trained on (fixed): 12 solid colours and 4 two-tone stripes
SOLID_PAINTS = (
    (0.9, 0.9, 0.9),
    (0.1, 0.1, 0.1),
    (0.55, 0.55, 0.55),
    (0.7, 0.1, 0.1),
    (0.1, 0.2, 0.6),
    (0.2, 0.4, 0.2),
    (0.85, 0.75, 0.2),
    (0.75, 0.75, 0.8),
    (0.4, 0.25, 0.15),
    (0.9, 0.45, 0.1),
    (0.15, 0.4, 0.45),
    (0.95, 0.95, 0.85),
)
STRIPES = (
    ((0.9, 0.9, 0.9), (0.1, 0.1, 0.1)),
    ((0.7, 0.1, 0.1), (0.9, 0.9, 0.9)),
    ((0.1, 0.2, 0.6), (0.75, 0.75, 0.8)),
    ((0.2, 0.4, 0.2), (0.85, 0.75, 0.2)),
)


def check_tile_shape(tile_shape: Any) -> tuple[int, int]:
    """``tile_shape`` as ``(h, w)`` after checking it holds two ints >= 1 (``ValueError`` naming it)."""
    ok = isinstance(tile_shape, (tuple, list)) and len(tile_shape) == 2
    if not ok or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in tile_shape
    ):
        raise ValueError(f"tile_shape must be (h, w) with ints h, w >= 1, got {tile_shape!r}")
    return int(tile_shape[0]), int(tile_shape[1])


def _check_rng(rng: Any) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )


def natural_paints(tile_shape: tuple[int, int] = (8, 8)) -> list[np.ndarray]:
    """The 16 natural paints as (3, h, w) tiles: 12 solid colours, then 4 two-tone horizontal stripes.

    Args:
        tile_shape: (h, w) of each tile.

    Returns:
        The list of tiles.
    """
    h, w = check_tile_shape(tile_shape)
    tiles = [
        np.broadcast_to(np.array(c, dtype=np.float64)[:, None, None], (3, h, w)).copy() for c in SOLID_PAINTS
    ]
    for a, b in STRIPES:
        t = np.empty((3, h, w))
        t[:, : h // 2] = np.array(a)[:, None, None]
        t[:, h // 2 :] = np.array(b)[:, None, None]
        tiles.append(t)
    return tiles


def random_texture(rng: np.random.Generator, tile_shape: tuple[int, int] = (8, 8)) -> np.ndarray:
    """A random training texture: a solid colour, a 2-6 colour blocky pattern, or per-texel noise (1/3 each).

    Args:
        rng: numpy generator.
        tile_shape: (h, w) of the tile.

    Returns:
        A (3, h, w) tile in [0, 1].
    """
    _check_rng(rng)
    h, w = check_tile_shape(tile_shape)
    kind = rng.integers(0, 3)
    if kind == 0:
        return np.broadcast_to(rng.uniform(size=(3, 1, 1)), (3, h, w)).copy()
    if kind == 1:
        colours = rng.uniform(size=(int(rng.integers(2, 7)), 3))
        block = int(rng.choice([1, 2, 4]))
        labels = rng.integers(0, len(colours), size=(-(-h // block), -(-w // block)))
        labels = np.kron(labels, np.ones((block, block), dtype=np.int64))[:h, :w]
        return colours[labels].transpose(2, 0, 1).copy()
    return rng.uniform(size=(3, h, w))


def _image(res: RenderResult) -> torch.Tensor:
    return torch.from_numpy(res.image).permute(2, 0, 1).float() / 255.0


@dataclasses.dataclass
class SceneBatch:
    """Texture-independent tensors of N scenes: reference renders and G-buffers (what DTN and proxies need)."""

    scenes: list[SceneParams]
    x_ref: torch.Tensor  # (N, 3, H, W) float in [0, 1]
    mask: torch.Tensor  # (N, 1, H, W) float
    uv: torch.Tensor  # (N, H, W, 2)
    normals: torch.Tensor  # (N, 3, H, W)

    def __len__(self) -> int:
        return len(self.scenes)

    def subset(self, idx: torch.Tensor) -> SceneBatch:
        """The scenes at ``idx``.

        Args:
            idx: 1-D index tensor.

        Returns:
            A new :class:`SceneBatch`.
        """
        return SceneBatch(
            [self.scenes[int(i)] for i in idx],
            self.x_ref[idx],
            self.mask[idx],
            self.uv[idx],
            self.normals[idx],
        )

    def to(self, device: torch.device | str) -> SceneBatch:
        """The tensors moved to ``device``.

        Args:
            device: the target device.

        Returns:
            A new :class:`SceneBatch`.
        """
        return SceneBatch(
            self.scenes,
            self.x_ref.to(device),
            self.mask.to(device),
            self.uv.to(device),
            self.normals.to(device),
        )


def render_scenes(scenes: list[SceneParams], renderer: ToyCarRenderer) -> SceneBatch:
    """Render every scene with the reference texture and stack the G-buffers.

    Args:
        scenes: the scene transformations.
        renderer: the renderer.

    Returns:
        A :class:`SceneBatch`.
    """
    if len(scenes) == 0:
        raise ValueError("scenes must not be empty")
    if not isinstance(renderer, ToyCarRenderer):
        raise TypeError(f"renderer must be a ToyCarRenderer, got {type(renderer).__name__}")
    res = [renderer.render(s) for s in scenes]
    return SceneBatch(
        scenes=list(scenes),
        x_ref=torch.stack([_image(r) for r in res]),
        mask=torch.from_numpy(np.stack([r.mask for r in res])[:, None]).float(),
        uv=torch.from_numpy(np.stack([r.uv for r in res])).float(),
        normals=torch.from_numpy(np.stack([r.normals for r in res])).permute(0, 3, 1, 2).float(),
    )


class EOTPool(SceneBatch):
    """A pool of ``n`` sampled scene transformations with cached reference renders (EOT over t ~ T).

    Args:
        n: number of scenes (> 0).
        renderer: the renderer.
        rng: numpy generator for the scenes.
        ranges: scene sampling ranges.
    """

    def __init__(
        self, n: int, renderer: ToyCarRenderer, rng: np.random.Generator, ranges: SceneRanges = DEFAULT_RANGES
    ) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"EOT pool size n must be an int >= 1, got {n!r}")
        b = render_scenes([sample_scene(rng, ranges) for _ in range(n)], renderer)
        super().__init__(b.scenes, b.x_ref, b.mask, b.uv, b.normals)


def make_dtn_dataset(
    n: int,
    renderer: ToyCarRenderer,
    rng: np.random.Generator,
    *,
    tile_shape: tuple[int, int] = (8, 8),
    ranges: SceneRanges = DEFAULT_RANGES,
) -> tuple[SceneBatch, torch.Tensor, torch.Tensor]:
    """``n`` DTN training pairs: (scenes with reference renders, projected textures eta_p, true renders x_t).

    Each pair draws a scene t and a random texture eta (:func:`random_texture`); the reference and the
    textured render share the scene, including its noise seed.

    Args:
        n: number of pairs.
        renderer: the renderer.
        rng: numpy generator (scenes and textures).
        tile_shape: (h, w) of the textures.
        ranges: scene sampling ranges.

    Returns:
        (SceneBatch, eta_p (n, 3, H, W), target (n, 3, H, W)).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    check_tile_shape(tile_shape)
    scenes = [sample_scene(rng, ranges) for _ in range(n)]
    tiles = [random_texture(rng, tile_shape) for _ in range(n)]
    batch = render_scenes(scenes, renderer)
    target = torch.stack([_image(renderer.render(s, t)) for s, t in zip(scenes, tiles, strict=True)])
    eta = torch.stack(
        [
            project_texture(torch.from_numpy(t).float(), batch.uv[i : i + 1], batch.mask[i : i + 1])[0]
            for i, t in enumerate(tiles)
        ]
    )
    return batch, eta, target


def make_detector_dataset(
    n: int,
    renderer: ToyCarRenderer,
    rng: np.random.Generator,
    *,
    tile_shape: tuple[int, int] = (8, 8),
    ranges: SceneRanges = DEFAULT_RANGES,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` detector images: half cars in a natural paint (label 1), a quarter empty scenes and a quarter
    distractor boxes in a natural paint (label 0).

    Args:
        n: number of images.
        renderer: the renderer.
        rng: numpy generator (scenes and paints).
        tile_shape: (h, w) of the paints.
        ranges: scene sampling ranges.

    Returns:
        (images (n, 3, H, W) in [0, 1], labels (n,) float).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    check_tile_shape(tile_shape)
    paints = natural_paints(tile_shape)
    images, labels = [], []
    for i in range(n):
        scene = sample_scene(rng, ranges)
        paint = paints[int(rng.integers(0, len(paints)))]
        kind = ("car", "car", "none", "distractor")[i % 4]
        images.append(_image(renderer.render(scene, paint, object=kind)))
        labels.append(1.0 if kind == "car" else 0.0)
    return torch.stack(images), torch.tensor(labels)


def render_textured(
    scenes: list[SceneParams], tiles: list[np.ndarray] | np.ndarray, renderer: ToyCarRenderer
) -> torch.Tensor:
    """True renders (N, 3, H, W) of the car in ``scenes`` painted with one tile or one tile per scene.

    Args:
        scenes: the scene transformations.
        tiles: one (3, h, w) tile or a list with one per scene.
        renderer: the renderer.

    Returns:
        (N, 3, H, W) images in [0, 1].
    """
    if isinstance(tiles, np.ndarray):
        tiles = [tiles] * len(scenes)
    if len(tiles) != len(scenes):
        raise ValueError(f"need one tile or one per scene ({len(scenes)}), got {len(tiles)}")
    return torch.stack([_image(renderer.render(s, t)) for s, t in zip(scenes, tiles, strict=True)])
