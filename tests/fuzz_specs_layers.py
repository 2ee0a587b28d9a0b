"""Fuzz generators of the layers' functions (issue 11's breadth work): activations,
distances, per-sample normalisation, resampling, grid sampling, pixel shuffle, 1-D pooling,
margin, likelihood and regression losses, and dropouts. They register into the same
:data:`tests.fuzz_specs.SPECS` as the rest (tests/fuzz_specs.py imports this module).

Random ops are compared where PyTorch's answer does not depend on its generator: dropouts
in evaluation mode or at ``p`` of 0 or 1, ``rrelu`` in training with ``lower == upper``,
and ``gumbel_softmax`` through the sum of its samples (1 along ``dim``).
"""

from __future__ import annotations

import math
from typing import Any

from tests.fuzz_specs import _adaptive_max, _image, _in_place_call, _max_pool2d, fuzz
from tests.fuzz_values import CONTIGUOUS, EXPANDED, Case, DType, Gen, Val

_REDUCTIONS = ("mean", "sum", "none")


def _set_one(g: Gen, val: Val, value: float) -> None:
    """Set one element of ``val`` to ``value`` (a stride-0 view can't hold it: it becomes
    contiguous)."""
    values = val.array.copy()
    values.reshape(-1)[g.int(0, values.size - 1)] = value
    val.array = values
    if val.layout == EXPANDED:
        val.layout = CONTIGUOUS


def _maybe_in_place(g: Gen, case: Case, p: float = 0.2) -> Case:
    """Now and then call with ``inplace=True`` (on a non-leaf copy of the input)."""
    if g.chance(p):
        case.kwargs["inplace"] = True
        case.call = _in_place_call
    return case


# --- piecewise activations --------------------------------------------------------------------
@fuzz("threshold")
def _threshold(g: Gen) -> Case:
    x = g.float(g.shape(), g.pick(["normal", "small"]))
    case = Case((x, g.pick([0.1, -0.5, 0.0, 1.0]), g.pick([20.0, -2.0, 0.0, 1.0])))
    return _maybe_in_place(g, case)


@fuzz("threshold_")
def _threshold_(g: Gen) -> Case:
    x = g.float(g.shape(), g.pick(["normal", "small"]))
    return Case((x, g.pick([0.1, -0.5, 0.0]), g.pick([20.0, -2.0, 0.0])), call=_in_place_call)


@fuzz("hardshrink", "softshrink")
def _shrink(g: Gen) -> Case:
    x = g.float(g.shape(), g.pick(["normal", "small"]))
    lambd = g.pick([0.5, 1.0, 0.0, 2.0]) if g.chance(0.9) else -0.2
    return Case((x, lambd)) if g.chance(0.7) else Case((x,))


@fuzz("hardsigmoid", "hardswish", "selu", "mish")
def _activation_inplace_option(g: Gen) -> Case:
    scale = g.pick([1.0, 1.0, 4.0])  # reach the kinks at +-3
    return _maybe_in_place(g, Case((g.float(g.shape(), scale=scale),)))


@fuzz("softsign", "tanhshrink")
def _plain_activation(g: Gen) -> Case:
    return Case((g.float(g.shape(), scale=g.pick([1.0, 5.0])),))


@fuzz("relu_", "selu_")
def _in_place_activation(g: Gen) -> Case:
    return Case((g.float(g.shape()),), call=_in_place_call)


@fuzz("leaky_relu_")
def _leaky_relu_(g: Gen) -> Case:
    return Case((g.float(g.shape()), g.pick([0.01, 0.2, -0.5, 2.0])), call=_in_place_call)


@fuzz("hardtanh_")
def _hardtanh_(g: Gen) -> Case:
    low = g.pick([-1.0, -0.5, 0.0])
    high = low + g.pick([0.5, 1.0, 2.0]) if g.chance(0.92) else low - 0.5
    return Case((g.float(g.shape()), low, high), call=_in_place_call)


@fuzz("elu_", "celu_")
def _elu_(g: Gen) -> Case:
    alpha = g.pick([1.0, 0.5, 2.0])
    return Case((g.float(g.shape()), alpha), call=_in_place_call)


@fuzz("celu")
def _celu(g: Gen) -> Case:
    alpha = g.pick([1.0, 0.5, 2.0, -1.0]) if g.chance(0.95) else 0.0
    return _maybe_in_place(g, Case((g.float(g.shape()), alpha)))


@fuzz("prelu")
def _prelu(g: Gen) -> Case:
    shape = g.shape()
    channels = shape[1] if len(shape) >= 2 else 1
    roll = g.rng.random()
    if roll < 0.4:
        w_shape: tuple[int, ...] = (1,)
    elif roll < 0.85:
        w_shape = (channels,)
    elif roll < 0.92:
        w_shape = ()
    else:
        w_shape = (channels + 1,)  # neither 1 nor C slopes
    return Case((g.float(shape), g.float(w_shape, g.pick(["positive", "normal"]))))


@fuzz("rrelu")
def _rrelu(g: Gen) -> Case:
    x = g.float(g.shape())
    lower = g.pick([0.125, 0.1, 0.0, 0.3])
    if g.chance(0.5):  # training draws the slopes: only lower == upper is reproducible
        case = Case((x, lower, lower, True))
    else:
        upper = lower + g.pick([0.2, 0.0, 0.5]) if g.chance(0.92) else lower - 0.1
        case = Case((x, lower, upper)) if g.chance(0.7) else Case((x,))
    return _maybe_in_place(g, case)


@fuzz("rrelu_")
def _rrelu_(g: Gen) -> Case:
    x = g.float(g.shape())
    lower = g.pick([0.125, 0.1, 0.3])
    if g.chance(0.4):
        return Case((x, lower, lower, True), call=_in_place_call)
    upper = lower + 0.2 if g.chance(0.92) else lower - 0.1
    return Case((x, lower, upper), call=_in_place_call)


# --- smooth activations and the softmax's relatives ---------------------------------------------
@fuzz("glu", sums=True)  # (b's gradient carries a's magnitude: tolerances follow the inputs)
def _glu(g: Gen) -> Case:
    shape = list(g.shape(low=1))
    d = g.dim(len(shape))
    assert d is not None
    if g.chance(0.9):
        shape[d] = 2 * g.int(0, 3)
    elif shape[d] % 2 == 0:
        shape[d] += 1  # an odd size can't be halved
    if g.chance(0.03):
        return Case((g.float(()),), note="0-d input")
    return Case((g.float(tuple(shape)), d))


@fuzz("softmin")
def _softmin(g: Gen) -> Case:
    shape = g.shape(low=1)
    x = g.float(shape)
    if g.chance(0.1):
        return Case((x, len(shape) + g.int(0, 1)), note="dim out of range")
    kwargs = {"dtype": DType("float64")} if g.chance(0.2) else {}
    return Case((x, g.dim(len(shape))), kwargs)


def _gumbel_sums(fn: Any, logits: Any, **kwargs: Any) -> Any:
    """What is left to compare of a random sample: its shape and its sums along ``dim``
    (1, in the sample's dtype)."""
    out = fn(logits, **kwargs)
    return out.sum(kwargs["dim"], keepdim=True), tuple(out.shape)


@fuzz("gumbel_softmax", rtol=10)
def _gumbel_softmax(g: Gen) -> Case:
    shape = g.shape(low=1)
    kwargs: dict[str, Any] = {"tau": g.pick([1.0, 0.5, 2.0]), "hard": g.chance(0.5)}
    kwargs["dim"] = g.dim(len(shape)) if g.chance(0.95) else len(shape)
    x = g.float(shape, edge=False)  # a sample's values at NaN or inf are its generator's
    return Case((x,), kwargs, grad=False, call=_gumbel_sums)


# --- distances and unit vectors -------------------------------------------------------------------
_P_NORMS = [2.0, 2.0, 1.0, 3.0, math.inf, 0.5]


@fuzz("normalize", rtol=10)
def _normalize(g: Gen) -> Case:
    shape = g.shape(low=1)
    x = g.float(shape, shift=False)
    kwargs: dict[str, Any] = {"p": g.pick(_P_NORMS), "dim": g.dim(len(shape))}
    if g.chance(0.3):
        kwargs["eps"] = g.pick([0.5, 1e-3, 0.0])  # large enough to clamp some norms
    if g.chance(0.05):
        kwargs["dim"] = len(shape)
    return Case((x,), kwargs, grad=kwargs["p"] != math.inf)


@fuzz("cosine_similarity", sums=True, rtol=10)
def _cosine_similarity(g: Gen) -> Case:
    shape = g.shape(low=1)
    other = shape if g.chance(0.6) else g.broadcast_to(shape)
    if not other:
        other = (1,)
    if g.chance(0.5):
        shape, other = other, shape
    ndim = max(len(shape), len(other))
    kwargs: dict[str, Any] = {"dim": g.dim(ndim) if g.chance(0.95) else ndim}
    if g.chance(0.3):
        kwargs["eps"] = g.pick([0.5, 1e-3])
    # (values of the order of 1: the gradient at a vector of length 1e-3 is a difference of
    # terms 1 / |x| large, rounding noise in float32, in both frameworks)
    return Case((g.float(shape, "unit"), g.float(other, "unit")), kwargs)


@fuzz("pairwise_distance", sums=True, rtol=10)
def _pairwise_distance(g: Gen) -> Case:
    d = g.size(1, 4)
    n = g.size(1, 4)
    a = (n, d) if g.chance(0.8) else (d,)
    b = g.pick([a, (d,), (1, d), (n, d)])
    if g.chance(0.05):
        b = (n, d + 1)  # does not broadcast
    p = g.pick(_P_NORMS + [0.0])
    kwargs: dict[str, Any] = {"p": p, "keepdim": g.chance(0.3)}
    if g.chance(0.3):
        kwargs["eps"] = g.pick([0.0, 1e-3])
    return Case((g.float(a), g.float(b)), kwargs, grad=p not in (math.inf, 0.0))


# --- per-sample normalisation ------------------------------------------------------------------
@fuzz("group_norm", sums=True, rtol=100)
def _group_norm(g: Gen) -> Case:
    groups = g.int(1, 3)
    channels = groups * g.int(1, 2)
    shape = (g.size(1, 3), channels) + g.shape(high=2, size=3)
    if g.chance(0.05):
        groups = channels + 1  # does not divide the channels
    weight = g.float((channels,)) if g.chance(0.5) else None
    bias = g.float((channels,)) if g.chance(0.5) else None
    if g.chance(0.04):
        weight = g.float((channels + 1,))
    kwargs = {"eps": g.pick([1e-5, 1e-3])} if g.chance(0.3) else {}
    if g.chance(0.03):
        shape = (channels,)  # no batch dimension
    return Case((g.float(shape, shift=False), groups, weight, bias), kwargs)


def _with_running_stats(fn: Any, x: Any, mean: Any, var: Any, *rest: Any, **kwargs: Any
                        ) -> Any:
    """The output, and the running statistics after the call (updated in place)."""
    out = fn(x, mean, var, *rest, **kwargs)
    return (out,) if mean is None else (out, mean, var)


@fuzz("instance_norm", sums=True, rtol=100)
def _instance_norm(g: Gen) -> Case:
    c = g.int(1, 3)
    shape = (g.size(1, 3), c) + g.shape(low=1, high=2, size=3)
    if g.chance(0.03):
        shape = shape[:2]  # no spatial dimension
    use_input_stats = g.chance(0.7)
    stats: tuple[Any, Any] = (None, None)
    if g.chance(0.5) or not use_input_stats:
        stats = (g.float((c,), grad=False, edge=False, layout="contiguous"),
                 g.float((c,), "positive", grad=False, edge=False, layout="contiguous"))
        if not use_input_stats and g.chance(0.05):
            stats = (None, None)  # needed
    weight = g.float((c,)) if g.chance(0.5) else None
    bias = g.float((c,)) if g.chance(0.5) else None
    kwargs = {"use_input_stats": use_input_stats, "momentum": g.pick([0.1, 0.5, 1.0])}
    if g.chance(0.3):
        kwargs["eps"] = g.pick([1e-5, 1e-3])
    return Case((g.float(shape, shift=False), *stats, weight, bias), kwargs,
                call=_with_running_stats)


@fuzz("local_response_norm", sums=True, rtol=10)
def _local_response_norm(g: Gen) -> Case:
    shape = (g.size(1, 2), g.size(1, 5)) + g.shape(low=1, high=3, size=3)
    if g.chance(0.04):
        shape = shape[:2]
    args = (g.float(shape), g.int(1, 5))
    if g.chance(0.6):
        args += (g.pick([1e-4, 0.1, 1.0]), g.pick([0.75, 0.5, 2.0]), g.pick([1.0, 2.0, 0.5]))
    return Case(args)


# --- resampling ------------------------------------------------------------------------------
_MODES_FOR = {1: ["nearest", "nearest-exact", "linear", "area"],
              2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
              3: ["nearest", "nearest-exact", "trilinear", "area"]}
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def _width_out(width: int, kwargs: dict[str, Any]) -> int:
    """The output width ``interpolate`` gives for ``kwargs``."""
    if "size" in kwargs:
        size = kwargs["size"]
        return int(size[-1] if isinstance(size, list) else size)
    factor = kwargs["scale_factor"]
    return math.floor(width * (factor[-1] if isinstance(factor, list) else factor))


@fuzz("interpolate", sums=True, rtol=10)
def _interpolate(g: Gen) -> Case:
    spatial = g.pick([1, 2, 2, 3])
    sizes = tuple(g.int(1, 6 if spatial < 3 else 3) for _ in range(spatial))
    shape = (g.size(1, 2), g.size(1, 2, zero=0.04)) + sizes
    mode = g.pick(_MODES_FOR[spatial])
    if g.chance(0.05):
        mode = g.pick(["bilinear", "linear", "bicubic", "trilinear", "cubic"])  # maybe wrong
    kwargs: dict[str, Any] = {"mode": mode}
    if g.chance(0.5):
        out = [g.int(1, 8) for _ in range(spatial)]
        kwargs["size"] = out if spatial > 1 or g.chance(0.5) else out[0]
        if g.chance(0.03):
            kwargs["size"] = [0] * spatial
    else:
        factors = [g.pick([2, 0.5, 1.5, 3, 0.7, 1, 2.5]) for _ in range(spatial)]
        kwargs["scale_factor"] = factors if spatial > 1 and g.chance(0.5) else factors[0]
        if g.chance(0.3):
            kwargs["recompute_scale_factor"] = g.chance(0.5)
    if mode in _INTERPOLATING and g.chance(0.5):
        kwargs["align_corners"] = g.chance(0.5)
    if mode in ("bilinear", "bicubic") and spatial == 2 and g.chance(0.3) and (
            _width_out(sizes[-1], kwargs) != 1):  # (PyTorch 2.13's is wrong for width 1)
        kwargs["antialias"] = True
    if g.chance(0.04):
        kwargs["align_corners"] = True  # not for every mode
    if g.chance(0.03):
        kwargs["size"] = [2] * (spatial + 1)  # one size too many
    return Case((g.float(shape),), kwargs)


@fuzz("upsample", sums=True, rtol=10)
def _upsample(g: Gen) -> Case:
    case = _interpolate(g)
    case.kwargs.pop("antialias", None)
    case.kwargs.pop("recompute_scale_factor", None)
    return case


def _image_size_or_scale(g: Gen) -> dict[str, Any]:
    if g.chance(0.5):
        out = [g.int(1, 7), g.int(1, 7)]
        return {"size": out if g.chance(0.7) else out[0]}
    return {"scale_factor": g.pick([2, 0.5, 1.5, 3])}


@fuzz("upsample_nearest", "upsample_bilinear", sums=True, rtol=10)
def _upsample_image(g: Gen) -> Case:
    x = _image(g, high=5)
    if g.chance(0.05):
        x = g.float((1, 2, 3))  # a 3-D input: fine for nearest, not for bilinear
    kwargs = _image_size_or_scale(g)
    if g.chance(0.03):
        kwargs = {}
    return Case((x,), kwargs)


# --- pixel shuffle ------------------------------------------------------------------------------
@fuzz("pixel_shuffle")
def _pixel_shuffle(g: Gen) -> Case:
    r = g.int(1, 3)
    lead = g.shape(high=2, size=2)
    c = r * r * g.size(1, 2)
    if g.chance(0.05):
        c += 1
    shape = lead + (c, g.size(1, 3), g.size(1, 3))
    if g.chance(0.03):
        shape = shape[-2:]
    return Case((g.float(shape), r if g.chance(0.96) else g.pick([0, -1])))


@fuzz("pixel_unshuffle")
def _pixel_unshuffle(g: Gen) -> Case:
    r = g.int(1, 3)
    lead = g.shape(high=2, size=2)
    h, w = r * g.size(1, 2), r * g.size(1, 2)
    if g.chance(0.05):
        w += 1
    shape = lead + (g.size(1, 2), h, w)
    if g.chance(0.03):
        shape = shape[-2:]
    return Case((g.float(shape), r if g.chance(0.96) else g.pick([0, -1])))


# --- affine grids and grid sampling --------------------------------------------------------------
@fuzz("affine_grid", sums=True)
def _affine_grid(g: Gen) -> Case:
    spatial = g.pick([2, 2, 3])
    n = g.int(1, 2)
    size = [n, g.int(1, 3)] + [g.int(1, 4) for _ in range(spatial)]
    theta = (n, spatial, spatial + 1)
    if g.chance(0.05):
        theta = (n, spatial + 1, spatial + 1)
    if g.chance(0.03):
        size[-1] = 0
    return Case((g.float(theta), size), {"align_corners": g.chance(0.5)})


@fuzz("grid_sample", sums=True, rtol=10)
def _grid_sample(g: Gen) -> Case:
    spatial = g.pick([2, 2, 3])
    n = g.int(1, 2)
    x = g.float((n, g.int(1, 2)) + tuple(g.int(1, 4) for _ in range(spatial)))
    out = tuple(g.size(1, 3) for _ in range(spatial))
    # finite points only: PyTorch 2.13 crashes (bilinear, border or reflection padding) or
    # answers differently from kernel to kernel at NaN and infinite ones
    grid = g.float((n,) + out + (spatial,), g.pick(["unit", "normal"]), edge=False,
                   scale=g.pick([1.0, 1.0, 2.5]))
    if g.chance(0.1) and grid.array.size:
        _set_one(g, grid, g.pick([1e4, -1e4, 37.3]))
    mode = g.pick(["bilinear", "nearest", "bicubic"] if spatial == 2 else ["bilinear",
                                                                          "nearest"])
    if g.chance(0.03):
        mode = "bicubic"  # not for volumes
    kwargs = {"mode": mode, "padding_mode": g.pick(["zeros", "border", "reflection"]),
              "align_corners": g.chance(0.5)}
    if g.chance(0.03):
        grid = g.float((n + 1,) + out + (spatial,))  # another batch size
    return Case((x, grid), kwargs, grad=mode != "nearest" or g.chance(0.5))


# --- 1-D pooling and the *_with_indices names -----------------------------------------------------
fuzz("max_pool2d_with_indices")(_max_pool2d)
fuzz("adaptive_max_pool2d_with_indices")(_adaptive_max)


def _sequence(g: Gen, kind: str = "normal") -> Val:
    shape = (g.size(1, 2), g.int(1, 3), g.int(1, 8))
    if g.chance(0.2):
        shape = shape[1:]
    if g.chance(0.03):
        shape = (g.int(1, 2),) + shape  # 4-D: not a sequence
    return g.float(shape, kind)


def _one(g: Gen, value: int) -> Any:
    return value if g.chance(0.8) else [value]


@fuzz("max_pool1d", "max_pool1d_with_indices")
def _max_pool1d(g: Gen) -> Case:
    kind = g.pick(["normal", "normal", "small"])
    x = _sequence(g, kind)
    kernel = g.int(1, 4)
    kwargs: dict[str, Any] = {}
    if g.chance(0.6):
        kwargs["stride"] = _one(g, g.int(1, 3))
    if g.chance(0.4):
        kwargs["padding"] = g.int(0, kernel // 2)
    if g.chance(0.3):
        kwargs["dilation"] = g.int(1, 2)
    if g.chance(0.3):
        kwargs["ceil_mode"] = True
    if g.chance(0.3):
        kwargs["return_indices"] = True
    if g.chance(0.05):
        kwargs["padding"] = kernel // 2 + 1
    return Case((x, _one(g, kernel)), kwargs, grad=kind != "small")


@fuzz("avg_pool1d", sums=True)
def _avg_pool1d(g: Gen) -> Case:
    x = _sequence(g)
    kernel = g.int(1, 4)
    kwargs: dict[str, Any] = {}
    if g.chance(0.6):
        kwargs["stride"] = _one(g, g.int(1, 3))
    if g.chance(0.4):
        kwargs["padding"] = g.int(0, kernel // 2)
    if g.chance(0.3):
        kwargs["ceil_mode"] = True
    if g.chance(0.3):
        kwargs["count_include_pad"] = False
    if g.chance(0.05):
        kwargs["padding"] = kernel // 2 + 1
    return Case((x, _one(g, kernel)), kwargs)


@fuzz("adaptive_avg_pool1d", sums=True)
def _adaptive_avg_pool1d(g: Gen) -> Case:
    size = g.int(1, 5) if g.chance(0.95) else 0
    return Case((_sequence(g), _one(g, size)))


@fuzz("adaptive_max_pool1d", "adaptive_max_pool1d_with_indices")
def _adaptive_max_pool1d(g: Gen) -> Case:
    kind = g.pick(["normal", "normal", "small"])
    size = g.int(1, 5) if g.chance(0.95) else 0
    kwargs = {"return_indices": True} if g.chance(0.3) else {}
    return Case((_sequence(g, kind), _one(g, size)), kwargs, grad=kind != "small")


# --- losses ---------------------------------------------------------------------------------------
def _reduction(g: Gen, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    if g.chance(0.03):
        return {"reduction": "average"}  # unknown
    return {"reduction": g.pick(_REDUCTIONS + extra)}


def _target_shape(g: Gen, shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if g.chance(0.93) else g.broadcast_to(shape)


@fuzz("kl_div", sums=True)
def _kl_div(g: Gen) -> Case:
    shape = g.shape()
    kwargs = _reduction(g, ("batchmean",))
    log_target = g.chance(0.3)
    kwargs["log_target"] = log_target
    if log_target:
        target = g.float(_target_shape(g, shape), grad=g.chance(0.3))
    else:
        target = g.float(_target_shape(g, shape), g.pick(["prob", "small"]),
                         grad=g.chance(0.3))
    return Case((g.float(shape), target), kwargs)


@fuzz("poisson_nll_loss", sums=True)
def _poisson_nll_loss(g: Gen) -> Case:
    shape = g.shape()
    log_input = g.chance(0.6)
    x = g.float(shape, "normal" if log_input else "positive")
    target = g.float(_target_shape(g, shape), g.pick(["positive", "small"]),
                     grad=g.chance(0.3))
    kwargs = {"log_input": log_input, "full": g.chance(0.4), **_reduction(g)}
    if g.chance(0.2):
        kwargs["eps"] = g.pick([1e-8, 0.1])
    return Case((x, target), kwargs)


@fuzz("gaussian_nll_loss", sums=True)
def _gaussian_nll_loss(g: Gen) -> Case:
    shape = g.shape(low=1)
    roll = g.rng.random()
    var: Any
    if roll < 0.4:
        var = g.float(shape, "positive")
    elif roll < 0.55:
        var = g.float(shape[:-1], "positive")
    elif roll < 0.7:
        d = g.int(0, len(shape) - 1)
        var = g.float(tuple(1 if i == d else n for i, n in enumerate(shape)), "positive")
    elif roll < 0.85:
        var = g.pick([0.7, 1.0, 1e-8])
    elif roll < 0.92:
        var = g.float(shape, "small")  # zeros (clamped to eps) and negatives (refused)
    else:
        var = g.float(shape[:-1] + (shape[-1] + 2,), "positive")  # a size that fits nothing
    kwargs = {"full": g.chance(0.3), **_reduction(g)}
    if g.chance(0.3):
        kwargs["eps"] = g.pick([1e-6, 0.5])
    return Case((g.float(shape), g.float(_target_shape(g, shape), grad=g.chance(0.3)), var),
                kwargs)


def _signs(g: Gen, shape: tuple[int, ...], others: bool = False) -> Val:
    """Targets of +1 and -1 (and, with ``others``, now and then 0 or 2)."""
    val = g.float(shape, "small", grad=False, edge=False)
    val.array = ((val.array >= 0) * 2.0 - 1.0).astype(val.array.dtype)
    if others and g.chance(0.2) and val.array.size:
        _set_one(g, val, g.pick([0.0, 2.0]))
    return val


@fuzz("soft_margin_loss", sums=True)
def _soft_margin_loss(g: Gen) -> Case:
    shape = g.shape()
    return Case((g.float(shape), _signs(g, _target_shape(g, shape))), _reduction(g))


@fuzz("multilabel_soft_margin_loss", sums=True)
def _multilabel_soft_margin_loss(g: Gen) -> Case:
    c = g.size(1, 4)
    shape = (g.size(1, 3), c) if g.chance(0.8) else (c,)
    target = g.float(shape, "prob", grad=False, edge=False)
    if g.chance(0.6):
        target.array = (target.array > 0.5).astype(target.array.dtype)
    kwargs = _reduction(g)
    if g.chance(0.3):
        kwargs["weight"] = g.float((c,) if g.chance(0.9) else (c + 1,), "positive", grad=False)
    return Case((g.float(shape), target), kwargs)


@fuzz("multi_margin_loss", sums=True)
def _multi_margin_loss(g: Gen) -> Case:
    c = g.size(1, 4, zero=0.03)
    n = g.int(1, 3)  # (PyTorch 2.13 returns uninitialised memory for an empty batch)
    one = g.chance(0.2)
    shape, target_shape = ((c,), ()) if one else ((n, c), (n,))
    target = g.ints(target_shape, 0, max(c, 1))
    if g.chance(0.04):
        target = g.ints(target_shape, c, c + 1)  # out of range
    kwargs: dict[str, Any] = {"p": g.pick([1, 2]) if g.chance(0.95) else 3,
                              "margin": g.pick([1.0, 0.5, 0.0, -0.5]), **_reduction(g)}
    if g.chance(0.3):
        kwargs["weight"] = g.float((c,) if g.chance(0.95) else (c, 1), "positive",
                                   grad=False)
    if g.chance(0.03):
        target = g.ints((n + 1,), 0, max(c, 1))
    return Case((g.float(shape, g.pick(["normal", "small"])), target), kwargs)


@fuzz("margin_ranking_loss", sums=True)
def _margin_ranking_loss(g: Gen) -> Case:
    shape = g.shape(high=2)
    second = shape if g.chance(0.9) else g.broadcast_to(shape)
    kwargs = {"margin": g.pick([0.0, 0.5, -0.2]), **_reduction(g)}
    return Case((g.float(shape, g.pick(["normal", "small"])), g.float(second),
                 _signs(g, _target_shape(g, shape))), kwargs)


@fuzz("hinge_embedding_loss", sums=True)
def _hinge_embedding_loss(g: Gen) -> Case:
    shape = g.shape()
    kwargs = {"margin": g.pick([1.0, 0.5, 0.0, -1.0]), **_reduction(g)}
    x = g.float(shape, g.pick(["positive", "normal", "small"]))
    return Case((x, _signs(g, _target_shape(g, shape), others=True)), kwargs)


@fuzz("cosine_embedding_loss", sums=True, rtol=100)  # (as cosine_similarity)
def _cosine_embedding_loss(g: Gen) -> Case:
    d = g.size(1, 4)
    n = g.size(1, 3)
    one = g.chance(0.2)
    shape, target_shape = ((d,), ()) if one else ((n, d), (n,))
    other = shape if g.chance(0.95) else shape[:-1] + (d + 1,)
    if g.chance(0.03):
        target_shape = shape
    kwargs = {"margin": g.pick([0.0, 0.5, -0.5]), **_reduction(g)}
    return Case((g.float(shape, shift=False), g.float(other, shift=False),
                 _signs(g, target_shape, others=True)), kwargs)


@fuzz("triplet_margin_loss", sums=True, rtol=10)
def _triplet_margin_loss(g: Gen) -> Case:
    d = g.size(1, 4)
    n = g.size(1, 3)
    shape = (n, d) if g.chance(0.8) else (d,)
    shapes = [shape, shape, shape]
    if g.chance(0.05):
        shapes[g.int(0, 2)] = (1,) + shape  # one more dimension
    p = g.pick([2.0, 1.0, 3.0])
    kwargs: dict[str, Any] = {"margin": g.pick([1.0, 0.5, 2.0]) if g.chance(0.95) else 0.0,
                              "p": p, "swap": g.chance(0.3), **_reduction(g)}
    if g.chance(0.3):
        kwargs["eps"] = g.pick([0.0, 1e-3])
    return Case(tuple(g.float(s) for s in shapes), kwargs)


@fuzz("huber_loss", sums=True)
def _huber_loss(g: Gen) -> Case:
    shape = g.shape()
    kwargs: dict[str, Any] = {"delta": g.pick([1.0, 0.5, 2.0]) if g.chance(0.95) else 0.0,
                              **_reduction(g)}
    if g.chance(0.3):
        kwargs["weight"] = g.float(shape if g.chance(0.9) else g.broadcast_to(shape),
                                   "positive", grad=g.chance(0.5))
    return Case((g.float(shape), g.float(_target_shape(g, shape), grad=g.chance(0.3))),
                kwargs)


# --- dropouts: what does not depend on the generator ---------------------------------------
def _dropout_case(g: Gen, shape: tuple[int, ...]) -> Case:
    p, training = g.pick([(0.0, True), (0.5, False), (1.0, True), (0.3, False)])
    if g.chance(0.05):
        p = g.pick([1.5, -0.1])
    case = Case((g.float(shape), p, training))
    if g.chance(0.2):
        case = Case((g.float(shape), p, training), {"inplace": True}, call=_in_place_call)
    return case


def _channel_shape(g: Gen, spatial: int) -> tuple[int, ...]:
    shape = (g.size(1, 2), g.int(1, 3)) + g.shape(spatial, size=3)
    if g.chance(0.3):
        shape = shape[1:]
    if g.chance(0.05):
        shape = g.shape(high=spatial + 3)  # maybe the wrong rank
    return shape


@fuzz("dropout1d")
def _dropout1d(g: Gen) -> Case:
    return _dropout_case(g, _channel_shape(g, 1))


@fuzz("dropout3d")
def _dropout3d(g: Gen) -> Case:
    return _dropout_case(g, _channel_shape(g, 3))


@fuzz("alpha_dropout", "feature_alpha_dropout")
def _alpha_dropout(g: Gen) -> Case:
    shape = g.shape(low=2) if g.chance(0.9) else g.shape()
    return _dropout_case(g, shape)

