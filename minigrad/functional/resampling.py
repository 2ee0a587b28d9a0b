"""Resizing feature maps: ``interpolate`` (and the deprecated ``upsample`` names).

Every mode PyTorch offers here is separable: resizing an ``(N, C, H, W)`` map is a 1-D
resize along ``H`` followed by one along ``W``. Along one dimension, output position ``j``
is a weighted sum of a few input positions, its *taps*, so each mode is just a table of
tap positions and weights, computed once per call in NumPy:

* ``nearest`` / ``nearest-exact``: one tap, weight 1 (a pure gather);
* ``linear`` (``bilinear``, ``trilinear``): two taps around the source coordinate;
* ``bicubic``: four taps with Keys' cubic convolution weights (``A = -0.75``);
* ``area``: the window of adaptive average pooling, equal weights;
* ``antialias=True``: PIL's filters (triangle, or cubic with ``A = -0.5``) stretched by the
  downscaling factor, so that shrinking averages rather than skips.

Applying a table is :class:`Resample`: a gather of each tap column times its weights,
summed. A table is a sparse linear map along one dimension, and its adjoint is the map of
the *transposed* table (for each input position, the outputs that read it), so the
gradient is a ``Resample`` again, a gather rather than a scatter-add, and gradients of any
order stay in the node. It exports to ONNX as ``Gather``, ``Mul`` and ``ReduceSum``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad import references
from minigrad.autograd import Function
from minigrad.backends.geometry import adaptive_bounds
from minigrad.optable import S, op
from minigrad.tensor import Tensor
from minigrad.types import Array

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_SPATIAL = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic
_AA_CUBIC_A = -0.5  # PIL's, which antialiased bicubic follows

# tap positions (out, taps) and weights (None: a single tap of weight 1); rows with fewer
# taps than the longest are filled with position -1, weight 0
Table = tuple[numpy.ndarray[Any, Any], numpy.ndarray[Any, Any] | None]


# --- tap tables along one dimension --------------------------------------------------------
def _scale(n_in: int, n_out: int, scale_factor: float | None) -> float:
    """Input steps per output step: ``1 / scale_factor`` when one was given (PyTorch keeps
    the user's factor rather than the ratio of the rounded sizes), else ``n_in / n_out``."""
    return 1.0 / scale_factor if scale_factor else n_in / n_out


def _source(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool,
            clamp_at_zero: bool) -> numpy.ndarray[Any, Any]:
    """The input coordinate each output position maps to."""
    dst = numpy.arange(n_out, dtype=numpy.float64)
    if align_corners:
        return dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    src = (dst + 0.5) * _scale(n_in, n_out, scale_factor) - 0.5
    return numpy.maximum(src, 0.0) if clamp_at_zero else src


def _nearest(n_in: int, n_out: int, scale_factor: float | None, exact: bool) -> Table:
    if n_in == n_out:
        return numpy.arange(n_out), None
    # PyTorch computes these indices in float32; so does this, to pick the same pixels
    scale = numpy.float32(_scale(n_in, n_out, scale_factor))
    dst = numpy.arange(n_out, dtype=numpy.float32) + numpy.float32(0.5 if exact else 0.0)
    index = numpy.floor(dst * scale).astype(numpy.int64)
    return numpy.minimum(index, n_in - 1), None


def _split(src: numpy.ndarray[Any, Any], n_in: int
           ) -> tuple[numpy.ndarray[Any, Any], numpy.ndarray[Any, Any]]:
    """Integer part (at most ``n_in - 1``) and fraction (in [0, 1]) of coordinates."""
    whole = numpy.minimum(numpy.floor(src).astype(numpy.int64), n_in - 1)
    return whole, numpy.clip(src - whole, 0.0, 1.0)


def _linear(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool) -> Table:
    first, t = _split(_source(n_in, n_out, scale_factor, align_corners, True), n_in)
    second = numpy.minimum(first + 1, n_in - 1)
    return numpy.stack([first, second], 1), numpy.stack([1 - t, t], 1)


def _cubic_weights(t: numpy.ndarray[Any, Any], a: float) -> numpy.ndarray[Any, Any]:
    """Keys' cubic convolution weights of the taps at distances ``1 + t, t, 1 - t, 2 - t``."""
    def near(x: Any) -> Any:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Any) -> Any:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return numpy.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1)


def _cubic(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool) -> Table:
    whole, t = _split(_source(n_in, n_out, scale_factor, align_corners, False), n_in)
    taps = numpy.clip(whole[:, None] + numpy.arange(-1, 3), 0, n_in - 1)  # edges repeat
    return taps, _cubic_weights(t, _CUBIC_A)


def _area(n_in: int, n_out: int) -> Table:
    bounds = adaptive_bounds(n_in, n_out)
    longest = max(end - start for start, end in bounds)
    index = numpy.full((n_out, longest), -1, dtype=numpy.int64)
    weight = numpy.zeros((n_out, longest))
    for j, (start, end) in enumerate(bounds):
        index[j, :end - start] = numpy.arange(start, end)
        weight[j, :end - start] = 1.0 / (end - start)
    return index, weight


def _aa_filter(x: numpy.ndarray[Any, Any], cubic: bool) -> numpy.ndarray[Any, Any]:
    x = numpy.abs(x)
    if not cubic:
        return numpy.maximum(1.0 - x, 0.0)
    a = _AA_CUBIC_A
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return numpy.where(x < 1, near, numpy.where(x < 2, far, 0.0))


def _antialiased(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool,
                 cubic: bool) -> Table:
    """PIL's resampling: the filter is widened by the downscaling factor, each output
    averaging every input its support covers (weights normalised to sum to 1)."""
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = _scale(n_in, n_out, scale_factor)
    half_width = 2.0 if cubic else 1.0
    support = half_width * scale if scale >= 1.0 else half_width
    stretch = 1.0 / scale if scale >= 1.0 else 1.0
    rows = []
    for j in range(n_out):
        center = scale * (j + 0.5)
        start = max(int(center - support + 0.5), 0)
        end = min(int(center + support + 0.5), n_in)
        taps = numpy.arange(start, end)
        w = _aa_filter((taps - center + 0.5) * stretch, cubic)
        total = w.sum()
        rows.append((taps, w / total if total != 0 else w))
    longest = max(len(taps) for taps, _ in rows)
    index = numpy.full((n_out, longest), -1, dtype=numpy.int64)
    weight = numpy.zeros((n_out, longest))
    for j, (taps, w) in enumerate(rows):
        index[j, :len(taps)], weight[j, :len(taps)] = taps, w
    return index, weight


def _table(mode: str, n_in: int, n_out: int, scale_factor: float | None,
           align_corners: bool, antialias: bool) -> Table:
    if mode in ("nearest", "nearest-exact"):
        return _nearest(n_in, n_out, scale_factor, mode == "nearest-exact")
    if mode == "area":
        return _area(n_in, n_out)
    if antialias:
        return _antialiased(n_in, n_out, scale_factor, align_corners, mode == "bicubic")
    if mode == "bicubic":
        return _cubic(n_in, n_out, scale_factor, align_corners)
    return _linear(n_in, n_out, scale_factor, align_corners)


def transposed(index: numpy.ndarray[Any, Any], weight: numpy.ndarray[Any, Any] | None,
               n_in: int) -> Table:
    """The table of the adjoint map: for each of the ``n_in`` input positions, the outputs
    that read it and with which weight (rows padded with filler taps; no weights stay no
    weights)."""
    n_out, taps = index.shape
    flat = index.reshape(-1)
    real = flat >= 0
    sources = numpy.repeat(numpy.arange(n_out), taps)[real]
    weights = (numpy.ones(flat.shape) if weight is None else weight.reshape(-1))[real]
    targets = flat[real]
    order = numpy.argsort(targets, kind="stable")
    targets, sources, weights = targets[order], sources[order], weights[order]
    counts = numpy.bincount(targets, minlength=n_in)
    slot = numpy.arange(len(targets)) - numpy.repeat(numpy.cumsum(counts) - counts, counts)
    longest = max(int(counts.max()) if counts.size else 0, 1)
    t_index = numpy.full((n_in, longest), -1, dtype=numpy.int64)
    t_weight = numpy.zeros((n_in, longest))
    t_index[targets, slot] = sources
    t_weight[targets, slot] = weights
    return t_index, None if weight is None else t_weight


class Resample(Function):
    """Along ``dim``: ``out[..., j, ...] = sum over k of weight[j, k] * x[..., index[j, k],
    ...]`` (``weight=None``: all 1; a filler tap, index -1, adds nothing). The backward is
    this op with the transposed table."""

    def forward(ctx, x: Array, dim: int = 2, index: Any = None, weight: Any = None) -> Array:
        xp = ctx.xp
        ctx.in_size = x.shape[dim]
        trailing = (1,) * (x.ndim - dim - 1)
        out = None
        for k in range(index.shape[1]):
            column = index[:, k]
            filler = column < 0
            term = xp.take(x, xp.asarray(numpy.maximum(column, 0)), axis=dim)
            if filler.any():  # a filler adds nothing, not even 0 * inf
                keep = xp.asarray(~filler.reshape((-1,) + trailing))
                term = xp.where(keep, term, xp.zeros((), dtype=x.dtype))
            if weight is not None:
                term = term * xp.asarray(weight[:, k].reshape((-1,) + trailing), dtype=x.dtype)
            out = term if out is None else out + term
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        dim, index, weight = (ctx.attrs[k] for k in ("dim", "index", "weight"))
        t_index, t_weight = transposed(index, weight, ctx.in_size)
        return Resample.apply(g, dim=dim, index=t_index, weight=t_weight)


def _resample(x: Tensor, dim: int, table: Table) -> Tensor:
    index, weight = table
    index = index.reshape(len(index), -1)
    if weight is not None:  # a tap of weight 0 reads nothing (not even 0 * inf = NaN)
        index = numpy.where(weight == 0, -1, index)
    return Resample.apply(x, dim=dim, index=index, weight=weight)


# --- sizes and checks ---------------------------------------------------------------------
def _per_dim(value: Any, spatial: int, what: str, input: Tensor) -> list[Any]:
    if isinstance(value, (list, tuple)):
        if len(value) != spatial:
            raise ValueError(
                f"interpolate: input and {what} must have the same number of spatial "
                f"dimensions, but got input with spatial dimensions of "
                f"{list(input.shape[2:])} and {what} {tuple(value)}; give the input as "
                f"(N, C, d1, ..., dK) and the {what} as K values"
            )
        return list(value)
    return [value] * spatial


def _check_mode(mode: str, ndim: int, align_corners: bool | None, antialias: bool) -> None:
    if mode not in _MODES or ndim not in (3, 4, 5):
        raise ValueError(
            f"interpolate: only 3-D, 4-D and 5-D inputs are supported, for the modes "
            f"{' | '.join(_MODES)} (got a {ndim}-D input and mode {mode!r})"
        )
    spatial = _SPATIAL.get(mode)
    if spatial is not None and spatial != ndim - 2:
        raise ValueError(f"interpolate: got {ndim}D input, but {mode} mode needs "
                         f"{spatial + 2}D input")
    if align_corners is not None and spatial is None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    if antialias and not (mode in ("bilinear", "bicubic") and ndim == 4):
        raise ValueError("interpolate: the anti-alias option is restricted to the bilinear "
                         "and bicubic modes and requires a 4-D input")


@op("interpolate", Resample, functional=True,
    samples=[S((1, 2, 3, 4), scale_factor=2), S((2, 1, 5, 4), size=(3, 7)),
             S((1, 2, 4), size=7, mode="nearest-exact"),
             S((1, 2, 3, 4), scale_factor=(1.5, 2.5), mode="bilinear"),
             S((1, 1, 4, 3), size=(6, 5), mode="bilinear", align_corners=True),
             S((2, 2, 5), scale_factor=0.6, mode="linear", recompute_scale_factor=True),
             S((1, 2, 4, 4), size=(7, 3), mode="bicubic"),
             S((1, 1, 3, 5), scale_factor=2, mode="bicubic", align_corners=True),
             S((1, 2, 6, 7), size=(4, 3), mode="area", transposed=True),
             S((1, 1, 7, 9), size=(3, 4), mode="bilinear", antialias=True),
             S((1, 1, 6, 8), scale_factor=0.4, mode="bicubic", antialias=True),
             S((1, 1, 2, 3, 2), scale_factor=(2, 1, 1.5), mode="trilinear")],
    reference=references.interpolate)
def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dimensions of a batch, as ``torch.nn.functional.interpolate``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
    size : int or sequence of int, optional
        The output's spatial size (an int for every dimension).
    scale_factor : float or sequence of float, optional
        Multiplier of the spatial size instead (the output size is rounded down). Unless
        ``recompute_scale_factor`` is true, the coordinates are mapped with this factor
        itself, not with the ratio of the rounded sizes, as PyTorch does.
    mode : str
        ``"nearest"`` (PyTorch's default: the pixel at ``floor(j * scale)``),
        ``"nearest-exact"`` (at ``floor((j + 0.5) * scale)``, like PIL and OpenCV),
        ``"linear"`` (3-D), ``"bilinear"`` (4-D), ``"trilinear"`` (5-D), ``"bicubic"``
        (4-D) or ``"area"`` (adaptive average pooling).
    align_corners : bool, optional
        For the interpolating modes only: ``True`` maps the corner pixels' centres onto
        each other, ``False`` (the default) their outer edges.
    recompute_scale_factor : bool, optional
        Compute the coordinates from the rounded output size rather than from
        ``scale_factor`` (meaningless with ``size``).
    antialias : bool
        Bilinear and bicubic only: widen the filter when shrinking, so every input pixel
        contributes (PIL's resize; torchvision's ``Resize(antialias=True)``).

    Returns
    -------
    Tensor
        ``(N, C, *size)``.

    Raises
    ------
    TypeError
        If an interpolating or area mode is given an integer input.
    ValueError
        If neither or both of ``size`` and ``scale_factor`` are given, their length does not
        match the spatial dimensions, the mode is unknown or does not fit the input's
        dimensions, ``align_corners`` is given to a non-interpolating mode, or
        ``antialias`` to one that has none.
    RuntimeError
        If an input or output size is not positive, or the input has no channels.

    Shape
    -----
    - input: ``(N, C, *in)``, 1 to 3 spatial dimensions
    - output: ``(N, C, *out)``, where ``out = size``, or
      ``out[i] = floor(in[i] * scale_factor[i])``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> x = minigrad.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> F.interpolate(x, scale_factor=2).tolist()[0][0][0]
    [1.0, 1.0, 2.0, 2.0]
    >>> F.interpolate(x, size=(3, 3), mode="bilinear", align_corners=True).tolist()[0][0][1]
    [2.0, 2.5, 3.0]
    """
    _check_mode(mode, input.ndim, align_corners, antialias)
    spatial = input.ndim - 2
    in_sizes = list(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined"
                         if size is not None else
                         "interpolate: either size or scale_factor should be defined")
    factors: list[float | None]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                             "explicit size")
        out_sizes = [int(s) for s in _per_dim(size, spatial, "output size", input)]
        factors = [None] * spatial
    else:
        given = [float(f) for f in _per_dim(scale_factor, spatial, "scale_factor", input)]
        out_sizes = [math.floor(n * f) for n, f in zip(in_sizes, given)]
        factors = [None] * spatial if recompute_scale_factor else list(given)
    # area mode is adaptive average pooling, which (as in PyTorch) may produce nothing
    if min(in_sizes + out_sizes) <= 0 and not (mode == "area" and min(out_sizes) == 0 < min(
            in_sizes)):
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, "
                           f"but got input {tuple(in_sizes)} and output {tuple(out_sizes)}")
    if input.shape[1] == 0 and not (mode == "area" and (spatial < 3 or set(out_sizes) == {1})):
        # PyTorch's resampling kernels want every dimension but the batch non-empty (area
        # mode, adaptive average pooling, takes empty channels in 1-D and 2-D, and in 3-D
        # for an output of one element: a mean)
        raise RuntimeError(f"interpolate: expected an input with channels, got shape "
                           f"{input.shape}")
    if mode not in ("nearest", "nearest-exact") and input.dtype.kind != "f":
        raise TypeError(f"interpolate: mode {mode!r} needs a floating-point input, got "
                        f"dtype {input.dtype}")
    corners = bool(align_corners)
    out = input
    for i in range(spatial):
        if mode in ("nearest", "nearest-exact", "area") and in_sizes[i] == out_sizes[i]:
            continue  # the identity along this dimension
        if out_sizes[i] == 0:
            out = out[(slice(None),) * (2 + i) + (slice(0, 0),)]
            continue
        table = _table(mode, in_sizes[i], out_sizes[i], factors[i], corners, antialias)
        out = _resample(out, 2 + i, table)
    return out if out is not input else input * 1


def _silenced(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a deprecated form without its warning (the generic tests call it often)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


def _deprecated(name: str) -> None:
    warnings.warn(f"nn.functional.{name} is deprecated. Use nn.functional.interpolate "
                  "instead.", UserWarning, stacklevel=3)


@op("upsample", functional=True,
    samples=[S((1, 2, 3, 3), scale_factor=2, mode="bilinear", call=_silenced)],
    reference=references.interpolate)
def upsample(input: Tensor, size: int | Sequence[int] | None = None,
             scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated name of :func:`interpolate` (with PyTorch's warning).

    Examples
    --------
    >>> import warnings
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     F.upsample(minigrad.ones(1, 1, 2, 2), scale_factor=2).shape
    minigrad.Size([1, 1, 4, 4])
    """
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


@op("upsample_nearest", functional=True,
    samples=[S((1, 2, 3, 3), scale_factor=2, call=_silenced)],
    reference=lambda a, size=None, scale_factor=None: references.interpolate(
        a, size, scale_factor))
def upsample_nearest(input: Tensor, size: int | Sequence[int] | None = None,
                     scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """Deprecated: :func:`interpolate` with ``mode="nearest"`` (with PyTorch's warning)."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, "nearest")


@op("upsample_bilinear", functional=True,
    samples=[S((1, 2, 3, 3), size=(5, 4), call=_silenced)],
    reference=lambda a, size=None, scale_factor=None: references.interpolate(
        a, size, scale_factor, "bilinear", True))
def upsample_bilinear(input: Tensor, size: int | Sequence[int] | None = None,
                      scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """Deprecated: :func:`interpolate` with ``mode="bilinear"`` and
    ``align_corners=True`` (with PyTorch's warning)."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, "bilinear", True)
