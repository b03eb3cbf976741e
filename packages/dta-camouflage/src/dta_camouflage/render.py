"""A small non-differentiable "photo-realistic" renderer: the stand-in for the game engine (CARLA) of DTA.

DTA (Suryanto et al., CVPR 2022, Sec. 3) keeps a photo-realistic, non-differentiable renderer R for the data and
learns a differentiable network that imitates how R changes an object's appearance when its texture changes.
This module is our R, in numpy only: a toy car (two axis-aligned boxes) on a ground plane, ray cast per pixel,
with a sun (Lambert diffuse, Blinn-Phong specular, Schlick Fresnel rim), hard cast shadows, a tinted sky
ambient, procedural ground, and a camera response (exposure, Reinhard tone mapping, gamma, sensor noise,
optional blur, quantisation to uint8). The texture enters as a small repeated pattern (the camouflage tile)
sampled at planar world-space UVs with period ``tile_size``. It is deliberately not differentiable.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

CAR_BOXES = np.array(
    [
        [[-2.0, -0.9, 0.0], [2.0, 0.9, 1.0]],  # body 4.0 x 1.8 x 1.0 on the ground
        [[-1.6, -0.8, 1.0], [0.6, 0.8, 1.7]],  # cabin 2.2 x 1.6 x 0.7, offset backwards
    ]
)
REFERENCE_GREY = 0.5  # the reference texture eta_ref: uniform grey
WARM = np.array([1.1, 1.0, 0.85])
COOL = np.array([0.85, 0.95, 1.1])
SKY_COOL = np.array([0.7, 0.85, 1.1])
SKY_WARM = np.array([1.0, 0.9, 0.8])
OBJECTS = ("car", "distractor", "none")


@dataclasses.dataclass(frozen=True)
class SceneParams:
    """One scene transformation t: camera, sun, sky, material, camera response and the noise seed.

    Angles are in degrees, distances in metres (the car is 4 m long). ``distractor`` is the size of the box
    that replaces the car in ``object="distractor"`` renders (negatives for the detector).
    """

    cam_azimuth: float = 30.0
    cam_elevation: float = 20.0
    cam_distance: float = 8.0
    look_at: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fov: float = 45.0
    sun_azimuth: float = 120.0
    sun_elevation: float = 45.0
    sun_intensity: float = 1.0
    sun_warmth: float = 0.5
    sky_ambient: float = 0.3
    sky_warmth: float = 0.5
    specular: float = 0.4
    shininess: float = 32.0
    exposure: float = 1.0
    noise_sigma: float = 0.01
    blur: bool = False
    ground: int = 0
    distractor: tuple[float, float, float] = (1.2, 1.2, 1.8)
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class SceneRanges:
    """Uniform sampling ranges ``(low, high)`` of :func:`sample_scene` (the spec's defaults)."""

    cam_azimuth: tuple[float, float] = (0.0, 360.0)
    cam_elevation: tuple[float, float] = (8.0, 40.0)
    cam_distance: tuple[float, float] = (6.0, 11.0)
    look_at_jitter: tuple[float, float] = (-0.3, 0.3)
    sun_azimuth: tuple[float, float] = (0.0, 360.0)
    sun_elevation: tuple[float, float] = (15.0, 70.0)
    sun_intensity: tuple[float, float] = (0.5, 1.5)
    sky_ambient: tuple[float, float] = (0.15, 0.45)
    specular: tuple[float, float] = (0.2, 0.7)
    shininess: tuple[float, float] = (16.0, 64.0)
    exposure: tuple[float, float] = (0.8, 1.25)
    noise_sigma: tuple[float, float] = (0.0, 0.02)
    blur_probability: float = 0.3
    distractor_footprint: tuple[float, float] = (0.6, 1.6)  # distractors: boxes of other proportions than
    distractor_height: tuple[float, float] = (1.2, 2.5)  # the car (tall blocks: posts, kiosks, containers)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                if len(value) != 2 or not all(math.isfinite(v) for v in value):
                    raise ValueError(f"ranges.{f.name} must be a finite (low, high) pair, got {value!r}")
                if value[0] > value[1]:
                    raise ValueError(f"ranges.{f.name}: low must be <= high, got {value!r}")
        if not 0.0 <= self.blur_probability <= 1.0:
            raise ValueError(f"ranges.blur_probability must be in [0, 1], got {self.blur_probability}")
        if self.cam_distance[0] <= 2.5:
            raise ValueError(
                f"ranges.cam_distance must stay outside the car (> 2.5 m), got {self.cam_distance}"
            )


DEFAULT_RANGES = SceneRanges()


def sample_scene(rng: np.random.Generator, ranges: SceneRanges = DEFAULT_RANGES) -> SceneParams:
    """Draw one scene transformation t from ``ranges`` (the EOT distribution).

    Args:
        rng: numpy generator that all draws come from.
        ranges: sampling ranges; the defaults are the spec's.

    Returns:
        The sampled :class:`SceneParams`, including a fresh noise seed.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    r = ranges

    def u(pair: tuple[float, float]) -> float:
        return float(rng.uniform(pair[0], pair[1]))

    jitter = tuple(u(r.look_at_jitter) for _ in range(3))
    return SceneParams(
        cam_azimuth=u(r.cam_azimuth),
        cam_elevation=u(r.cam_elevation),
        cam_distance=u(r.cam_distance),
        look_at=(jitter[0], jitter[1], jitter[2]),
        sun_azimuth=u(r.sun_azimuth),
        sun_elevation=u(r.sun_elevation),
        sun_intensity=u(r.sun_intensity),
        sun_warmth=float(rng.uniform()),
        sky_ambient=u(r.sky_ambient),
        sky_warmth=float(rng.uniform()),
        specular=u(r.specular),
        shininess=u(r.shininess),
        exposure=u(r.exposure),
        noise_sigma=u(r.noise_sigma),
        blur=bool(rng.uniform() < r.blur_probability),
        ground=int(rng.integers(0, 2)),
        distractor=(u(r.distractor_footprint), u(r.distractor_footprint), u(r.distractor_height)),
        seed=int(rng.integers(0, 2**31 - 1)),
    )


@dataclasses.dataclass(frozen=True)
class RenderResult:
    """A rendered image and its G-buffer.

    ``image`` is (H, W, 3) uint8; ``mask`` (H, W) bool marks object pixels; ``uv`` (H, W, 2) the texture
    coordinates in tile periods (0 off the object); ``normals`` (H, W, 3) world normals (0 off the object);
    ``depth`` (H, W) the ray distance to the first hit (inf for sky).
    """

    image: np.ndarray
    mask: np.ndarray
    uv: np.ndarray
    normals: np.ndarray
    depth: np.ndarray


def check_tile(tile: Any, name: str = "tile") -> np.ndarray:
    """Validate a numpy texture tile: shape (3, h, w), finite values in [0, 1].

    Args:
        tile: the candidate tile (a torch tensor is refused with a ``TypeError``).
        name: the argument name used in error messages.

    Returns:
        The tile as a float64 array.
    """
    if type(tile).__module__.split(".")[0] == "torch":
        raise TypeError(
            f"{name} is a torch tensor: ToyCarRenderer is intentionally non-differentiable (it stands in for "
            "the game engine); pass tile.detach().cpu().numpy(), or use DTN / NaiveRenderer for gradients"
        )
    try:
        arr = np.asarray(tile, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a numpy array of shape (3, h, w), got {type(tile).__name__}"
        ) from exc
    if arr.ndim != 3 or arr.shape[0] != 3 or arr.shape[1] < 1 or arr.shape[2] < 1:
        raise ValueError(f"{name} must have shape (3, h, w), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    if arr.min() < 0.0 or arr.max() > 1.0:
        raise ValueError(f"{name} values must lie in [0, 1], got [{arr.min():.3g}, {arr.max():.3g}]")
    return arr


_POSITIVE = ("cam_distance", "fov", "sun_intensity", "shininess", "exposure")
_NON_NEGATIVE = ("sun_warmth", "sky_ambient", "sky_warmth", "specular", "noise_sigma")


def check_params(params: SceneParams) -> SceneParams:
    """``ValueError`` naming the field when a scene parameter is not finite, or out of its range (``fov`` in
    (0, 180), ``cam_distance``, ``sun_intensity``, ``shininess``, ``exposure`` > 0, the others >= 0)."""
    for f in dataclasses.fields(params):
        v = getattr(params, f.name)
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"params.{f.name} must be finite, got {v!r}")
    for name in _POSITIVE:
        if not getattr(params, name) > 0:
            raise ValueError(f"params.{name} must be > 0, got {getattr(params, name)!r}")
    for name in _NON_NEGATIVE:
        if not getattr(params, name) >= 0:
            raise ValueError(f"params.{name} must be >= 0, got {getattr(params, name)!r}")
    if not params.fov < 180:
        raise ValueError(f"params.fov must be in (0, 180) degrees, got {params.fov!r}")
    return params


def sample_tile(tile: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Bilinear wrap-around sampling of a (3, h, w) tile at ``uv`` (..., 2) in tile periods -> (..., 3).

    Args:
        tile: (3, h, w) texture tile.
        uv: (..., 2) texture coordinates in tile periods.

    Returns:
        (..., 3) sampled colours. The same formula as :func:`dta_camouflage.projection.project_texture` (torch), so that a projected
    texture matches what the renderer paints.
    """
    _, h, w = tile.shape
    x = uv[..., 0] * w - 0.5
    y = uv[..., 1] * h - 0.5
    x0 = np.floor(x)
    y0 = np.floor(y)
    fx = (x - x0)[..., None]
    fy = (y - y0)[..., None]
    x0i = x0.astype(np.int64) % w
    y0i = y0.astype(np.int64) % h
    x1i = (x0i + 1) % w
    y1i = (y0i + 1) % h
    t = np.moveaxis(tile, 0, -1)
    top = t[y0i, x0i] * (1 - fx) + t[y0i, x1i] * fx
    bottom = t[y1i, x0i] * (1 - fx) + t[y1i, x1i] * fx
    return top * (1 - fy) + bottom * fy


def _boxes(params: SceneParams, obj: str) -> np.ndarray:
    if obj == "car":
        return CAR_BOXES
    if obj == "distractor":
        lx, ly, lz = params.distractor
        return np.array([[[-lx / 2, -ly / 2, 0.0], [lx / 2, ly / 2, lz]]])
    return np.zeros((0, 2, 3))


def _intersect(origins: np.ndarray, dirs: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slab method for N rays against K boxes: nearest positive hit distance (inf if none) and its normal."""
    n = dirs.shape[0]
    if boxes.shape[0] == 0:
        return np.full(n, np.inf), np.zeros((n, 3))
    safe = np.where(np.abs(dirs) < 1e-12, 1e-12, dirs)
    inv = 1.0 / safe
    o = origins[:, None, :] if origins.ndim == 2 else origins[None, None, :]
    t1 = (boxes[None, :, 0, :] - o) * inv[:, None, :]
    t2 = (boxes[None, :, 1, :] - o) * inv[:, None, :]
    tmin = np.minimum(t1, t2)
    near = tmin.max(-1)
    far = np.maximum(t1, t2).min(-1)
    hit = (near <= far) & (near > 1e-9)
    near = np.where(hit, near, np.inf)
    k = near.argmin(-1)
    t = near[np.arange(n), k]
    axis = tmin[np.arange(n), k].argmax(-1)
    normal = np.zeros((n, 3))
    normal[np.arange(n), axis] = -np.sign(safe[np.arange(n), axis])
    normal[~np.isfinite(t)] = 0.0
    return t, normal


def _value_noise(xy: np.ndarray, scale: float) -> np.ndarray:
    cell = np.floor(xy * scale)
    return np.modf(np.abs(np.sin(cell[..., 0] * 12.9898 + cell[..., 1] * 78.233)) * 43758.5453)[0]


def _direction(azimuth: float, elevation: float) -> np.ndarray:
    a, e = math.radians(azimuth), math.radians(elevation)
    return np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)])


class ToyCarRenderer:
    """The non-differentiable renderer R(t, eta): a toy car painted with a repeated tile, photo-realistic-ish.

    Args:
        size: image height and width in pixels (the cpu preset uses 32, the GPU preset 128).
        tile_size: world-space period of the repeated texture tile in metres.
    """

    def __init__(self, *, size: int = 64, tile_size: float = 0.5) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 4:
            raise ValueError(f"size must be an int >= 4, got {size!r}")
        if not (isinstance(tile_size, (int, float)) and math.isfinite(tile_size) and tile_size > 0):
            raise ValueError(f"tile_size must be a positive finite number, got {tile_size!r}")
        self.size = size
        self.tile_size = float(tile_size)

    def __repr__(self) -> str:
        return f"ToyCarRenderer(size={self.size}, tile_size={self.tile_size})"

    def camera(self, params: SceneParams) -> tuple[np.ndarray, np.ndarray]:
        """The camera position (3,) and the unit ray direction of every pixel centre (H*W, 3).

        Args:
            params: the scene (camera azimuth, elevation, distance, look-at jitter, field of view).

        Returns:
            (eye, directions).
        """
        target = np.array([0.0, 0.0, 0.6]) + np.asarray(params.look_at, dtype=np.float64)
        eye = target + params.cam_distance * _direction(params.cam_azimuth, params.cam_elevation)
        fwd = target - eye
        fwd /= np.linalg.norm(fwd)
        up = np.array([0.0, 0.0, 1.0])
        if np.linalg.norm(np.cross(fwd, up)) < 1e-6:
            up = np.array([1.0, 0.0, 0.0])
        right = np.cross(fwd, up)
        right /= np.linalg.norm(right)
        cam_up = np.cross(right, fwd)
        half = math.tan(math.radians(params.fov) / 2)
        c = (np.arange(self.size) + 0.5) / self.size * 2 - 1
        sx, sy = np.meshgrid(c * half, -c * half)
        dirs = fwd + sx[..., None] * right + sy[..., None] * cam_up
        dirs = dirs.reshape(-1, 3)
        return eye, dirs / np.linalg.norm(dirs, axis=-1, keepdims=True)

    def render(self, params: SceneParams, tile: Any = None, *, object: str = "car") -> RenderResult:
        """Render the scene ``params`` with the object painted by ``tile``.

        Args:
            params: the scene transformation (camera, light, material, response, noise seed).
            tile: the texture tile, a numpy array (3, h, w) in [0, 1]; None paints the reference grey.
            object: ``"car"`` (the target), ``"distractor"`` (a box of other proportions) or ``"none"``.

        Returns:
            A :class:`RenderResult`; equal ``params`` and ``tile`` give bit-identical results.
        """
        if not isinstance(params, SceneParams):
            raise TypeError(f"params must be a SceneParams, got {type(params).__name__}")
        if object not in OBJECTS:
            raise ValueError(f"object must be one of {OBJECTS}, got {object!r}")
        check_params(params)
        tile = np.full((3, 1, 1), REFERENCE_GREY) if tile is None else check_tile(tile)
        hw = self.size * self.size
        eye, dirs = self.camera(params)
        boxes = _boxes(params, object)
        t_obj, n_obj = _intersect(eye, dirs, boxes)
        t_ground = np.where(
            dirs[:, 2] < -1e-9, -eye[2] / np.where(dirs[:, 2] < -1e-9, dirs[:, 2], -1.0), np.inf
        )
        on_obj = t_obj < t_ground
        on_ground = ~on_obj & np.isfinite(t_ground)
        depth = np.where(on_obj, t_obj, t_ground)
        p = eye + dirs * np.where(np.isfinite(depth), depth, 0.0)[:, None]
        normal = np.where(on_obj[:, None], n_obj, np.array([0.0, 0.0, 1.0]))

        sun = _direction(params.sun_azimuth, params.sun_elevation)
        sun_rgb = params.sun_intensity * (WARM * params.sun_warmth + COOL * (1 - params.sun_warmth))
        sky_rgb = SKY_WARM * params.sky_warmth + SKY_COOL * (1 - params.sky_warmth)
        ambient = params.sky_ambient * sky_rgb
        lit = on_obj | on_ground
        t_shadow, _ = _intersect(
            p[lit] + 1e-6 * normal[lit], np.broadcast_to(sun, (int(lit.sum()), 3)), boxes
        )
        visible = np.zeros(hw)
        visible[lit] = np.isinf(t_shadow)
        ndl = np.clip(normal @ sun, 0.0, None) * visible

        # planar world-space UVs on each face (in tile periods): the repeated camouflage pattern
        axis = np.abs(normal).argmax(-1)
        uv = np.zeros((hw, 2))
        pu = np.stack([p[:, 1], p[:, 0], p[:, 0]], -1)[np.arange(hw), axis]
        pv = np.stack([p[:, 2], p[:, 2], p[:, 1]], -1)[np.arange(hw), axis]
        uv[on_obj] = np.stack([pu[on_obj], pv[on_obj]], -1) / self.tile_size
        albedo = np.zeros((hw, 3))
        if on_obj.any():
            albedo[on_obj] = sample_tile(tile, uv[on_obj])
        if params.ground == 0:  # asphalt
            g = 0.22 + 0.08 * _value_noise(p[:, :2], 3.0)
            ground_albedo = g[:, None] * np.array([1.0, 1.0, 1.02])
        else:  # grass
            g = 0.75 + 0.5 * _value_noise(p[:, :2], 2.0)
            ground_albedo = g[:, None] * np.array([0.16, 0.3, 0.1])
        albedo[on_ground] = ground_albedo[on_ground]

        radiance = albedo * (ambient + sun_rgb * ndl[:, None])
        view = -dirs
        half_vec = sun + view
        half_vec /= np.linalg.norm(half_vec, axis=-1, keepdims=True)
        ndh = np.clip(np.sum(normal * half_vec, -1), 0.0, None)
        spec = params.specular * ndh**params.shininess * (ndl > 0)
        ndv = np.clip(np.sum(normal * view, -1), 0.0, 1.0)
        fresnel = 0.04 + 0.96 * (1 - ndv) ** 5
        car_extra = spec[:, None] * sun_rgb + (fresnel * params.sky_ambient * 1.5)[:, None] * sky_rgb
        radiance[on_obj] += car_extra[on_obj]
        sky = ~lit
        radiance[sky] = sky_rgb * (0.9 + 0.6 * np.clip(dirs[sky, 2], 0.0, 1.0))[:, None]

        # camera response: exposure, Reinhard tone mapping, gamma, sensor noise, optional blur, uint8
        x = radiance * params.exposure
        x = (x / (1 + x)) ** (1 / 2.2)
        img = x.reshape(self.size, self.size, 3)
        noise_rng = np.random.default_rng(params.seed)
        img = img + params.noise_sigma * noise_rng.standard_normal(img.shape)
        if params.blur:
            pad = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
            img = sum(pad[i : i + self.size, j : j + self.size] for i in range(3) for j in range(3)) / 9.0
        image = np.round(np.clip(img, 0.0, 1.0) * 255).astype(np.uint8)
        shape = (self.size, self.size)
        return RenderResult(
            image=image,
            mask=on_obj.reshape(shape),
            uv=uv.reshape(*shape, 2),
            normals=np.where(on_obj[:, None], normal, 0.0).reshape(*shape, 3),
            depth=np.where(lit, depth, np.inf).reshape(shape),
        )
