"""Pooling kernels, generic over the array namespace ``xp`` (NCHW, input already padded).

One entry for max and min pooling (:func:`pool2d`, with ``largest`` and
``return_indices``), the scatter/gather pair selection pooling's gradients use, window
sums and their adjoint, and the array work of adaptive pooling and unpooling. Indices are
int64 flat positions ``h * W + w`` in each ``(H, W)`` plane.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from minigrad.backends.arrays import scatter_add
from minigrad.backends.geometry import Pad4, adaptive_taps, output_size, taps
from minigrad.types import Array, Pair

__all__ = [
    "adaptive_argmax",
    "fill_value",
    "pool2d",
    "pool2d_gather",
    "pool2d_scatter",
    "sum_pool2d",
    "sum_pool2d_backward",
    "unpadded_indices",
    "unpool2d",
]


def fill_value(dtype: Any, largest: bool) -> Any:
    """The padding value that never wins the comparison (``-inf`` for max pooling)."""
    if dtype.kind == "f":
        return -math.inf if largest else math.inf
    info = numpy.iinfo(dtype)
    return info.min if largest else info.max


def pool2d(xp: Any, x: Array, kernel: Pair, stride: Pair, dilation: Pair,
           largest: bool = True, return_indices: bool = False) -> Any:
    """Window maxima (``largest``) or minima, and with ``return_indices`` their indices.

    Ties go to the first extremum in row-major window order; a window holding NaN gives
    NaN and the index of its first NaN. The values are one running ``maximum``/``minimum``
    over the strided tap slices (no window buffer). The index is found by counting, per
    window, the taps before the first that equals the extremum: a few byte-sized passes
    over the output, then one table lookup from that count to the flat position.

    Returns
    -------
    array, or (array, int64 array)
        ``(N, C, oh, ow)`` values (and indices).
    """
    h, w = x.shape[2:]
    out = output_size((h, w), kernel, stride, dilation)
    offsets = taps(kernel, stride, dilation, out)
    pick = xp.maximum if largest else xp.minimum
    best = xp.array(x[:, :, offsets[0][2], offsets[0][3]])
    for _, _, rows, cols in offsets[1:]:
        pick(best, x[:, :, rows, cols], out=best)
    if not return_indices:
        return best
    if x.dtype.kind in "fc" and bool(xp.isnan(best).any()):
        return best, _nan_aware_indices(xp, x, best, offsets, stride, dilation)
    count_type = xp.uint8 if len(offsets) < 256 else xp.int32
    first_rows, first_cols = offsets[0][2], offsets[0][3]
    missed = x[:, :, first_rows, first_cols] != best  # still looking after this tap
    before = missed.astype(count_type)  # taps before the first hit
    hit = xp.empty(best.shape, dtype=bool)
    for _, _, rows, cols in offsets[1:-1]:
        xp.not_equal(x[:, :, rows, cols], best, out=hit)
        missed &= hit
        before += missed
    table = xp.asarray([i * dilation[0] * w + j * dilation[1] for i, j, _, _ in offsets],
                       dtype=xp.int64)
    arg = xp.take(table, before)
    arg += _window_origins(xp, out, stride, w)
    return best, arg


def _window_origins(xp: Any, out: Pair, stride: Pair, width: int) -> Array:
    """The flat position of every window's first tap: ``(oh, ow)`` int64."""
    rows = xp.arange(out[0], dtype=xp.int64).reshape(out[0], 1) * (stride[0] * width)
    return rows + xp.arange(out[1], dtype=xp.int64) * stride[1]


def _nan_aware_indices(xp: Any, x: Array, best: Array, offsets: list[Any], stride: Pair,
                       dilation: Pair) -> Array:
    """The indices when some window holds NaN: the first NaN, else the first extremum."""
    w = x.shape[3]
    arg = xp.zeros(best.shape, dtype=xp.int64)
    # walk the taps backwards, overwriting on every hit, so the FIRST hit survives
    for i, j, rows, cols in offsets[::-1]:
        tap = x[:, :, rows, cols]
        hit = (tap == best) | (tap != tap)
        arg = xp.where(hit, i * dilation[0] * w + j * dilation[1], arg)
    arg += _window_origins(xp, best.shape[2:], stride, w)
    return arg


def unpadded_indices(xp: Any, index: Array, pad: Pad4, size: Pair, padded_width: int,
                     stride: Pair, dilation: Pair) -> Array:
    """Turn flat indices into a padded plane into indices into the unpadded ``size``
    plane, as PyTorch's ``return_indices`` gives them. A window holding only padding
    points at its first real element."""
    h, w = size
    rows = index // padded_width - pad[0]
    cols = index % padded_width - pad[2]
    outside = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
    if bool(outside.any()):
        oh, ow = index.shape[2], index.shape[3]
        first_r = _first_inside(xp, oh, stride[0], pad[0], dilation[0], h)
        first_c = _first_inside(xp, ow, stride[1], pad[2], dilation[1], w)
        rows = xp.where(outside, first_r.reshape(oh, 1), rows)
        cols = xp.where(outside, first_c.reshape(1, ow), cols)
    return rows * w + cols


def _first_inside(xp: Any, n_out: int, stride: int, before: int, dilation: int, n: int) -> Array:
    """Per output position, the first tap of its window that lies inside the input."""
    start = xp.arange(n_out, dtype=xp.int64) * stride - before
    skip = xp.maximum(-start + dilation - 1, 0) // dilation
    return xp.clip(start + skip * dilation, 0, n - 1)


def pool2d_scatter(xp: Any, grad_out: Array, indices: Array, input_size: Pair) -> Array:
    """Scatter-add ``grad_out (N, C, oh, ow)`` into a zero ``(N, C, H, W)`` array at the
    flat plane ``indices``; repeated indices (overlapping windows) accumulate."""
    n, c = indices.shape[0], indices.shape[1]
    plane = input_size[0] * input_size[1]
    # offset each (n, c) plane so that a single 1-D scatter covers the whole batch
    base = xp.arange(n * c, dtype=xp.int64).reshape(n, c, 1, 1) * plane
    flat = (indices.astype(xp.int64, copy=False) + base).ravel()
    out = xp.zeros(n * c * plane, dtype=grad_out.dtype)
    scatter_add(xp, out, flat, grad_out.ravel())
    return out.reshape(n, c, *input_size)


def pool2d_gather(xp: Any, x: Array, indices: Array) -> Array:
    """Read ``x (N, C, H, W)`` at flat plane ``indices (N, C, oh, ow)``."""
    n, c, h, w = x.shape
    picks = indices.shape[2] * indices.shape[3]  # spelled out: -1 is ambiguous when n == 0
    flat = xp.take_along_axis(x.reshape(n, c, h * w), indices.reshape(n, c, picks), axis=2)
    return flat.reshape(indices.shape)


def sum_pool2d(xp: Any, x: Array, kernel: Pair, stride: Pair, dilation: Pair) -> Array:
    """The sum of each window: ``(N, C, H, W) -> (N, C, oh, ow)``."""
    offsets = taps(kernel, stride, dilation, output_size(x.shape[2:], kernel, stride, dilation))
    out = x[:, :, offsets[0][2], offsets[0][3]].copy()
    for _, _, rows, cols in offsets[1:]:
        out += x[:, :, rows, cols]
    return out


def sum_pool2d_backward(xp: Any, grad_out: Array, input_size: Pair, kernel: Pair,
                        stride: Pair, dilation: Pair) -> Array:
    """The adjoint of :func:`sum_pool2d`: every input position receives the sum of the
    gradients of the windows that contain it."""
    n, c, oh, ow = grad_out.shape
    expected = output_size(input_size, kernel, stride, dilation)
    if expected != (oh, ow):
        raise ValueError(f"gradient of spatial size {(oh, ow)} for windows giving {expected}")
    out = xp.zeros((n, c, *input_size), dtype=grad_out.dtype)
    for _, _, rows, cols in taps(kernel, stride, dilation, expected):
        out[:, :, rows, cols] += grad_out
    return out


def unpool2d(xp: Any, x: Array, indices: Array, output_size: Pair) -> Array:
    """Write ``x`` into a zero ``output_size`` plane at flat ``indices`` (each position
    written once, not summed: the inverse of max pooling)."""
    n, c = x.shape[0], x.shape[1]
    plane = output_size[0] * output_size[1]
    out = xp.zeros((n * c, plane), dtype=x.dtype)
    rows = xp.arange(n * c).reshape(n * c, 1)
    picks = x.shape[2] * x.shape[3]  # spelled out: -1 is ambiguous when n * c == 0
    out[rows, indices.reshape(n * c, picks)] = x.reshape(n * c, picks)
    return out.reshape(n, c, *output_size)


def adaptive_argmax(xp: Any, x: Array, oh: int, ow: int) -> Array:
    """Flat index of the first maximum of every adaptive window (row-major ties)."""
    n, c, h, w = x.shape
    if (oh, ow) == (1, 1):
        return x.reshape(n, c, h * w).argmax(axis=2).reshape(n, c, 1, 1)

    def tap_table(size: int, n_out: int) -> Array:
        # short windows repeat their first tap, which changes neither max nor first argmax
        return xp.asarray(numpy.asarray(adaptive_taps(size, n_out)[0], dtype=numpy.int64))

    col_taps = tap_table(w, ow)  # (ow, kw)
    row_taps = tap_table(h, oh)  # (oh, kh)
    # stage 1: the best column of each row within each column window
    by_col = x[:, :, :, col_taps]  # (n, c, h, ow, kw)
    col_pick = xp.take_along_axis(col_taps.reshape(1, 1, 1, ow, -1),
                                  by_col.argmax(axis=4)[..., None], axis=4)[..., 0]
    col_best = xp.take_along_axis(x, col_pick.reshape(n, c, h, ow), axis=3)  # (n, c, h, ow)
    # stage 2: the best row within each row window (the first row wins ties)
    by_row = col_best[:, :, row_taps, :]  # (n, c, oh, kh, ow)
    pick = by_row.argmax(axis=3)  # (n, c, oh, ow)
    row_pick = xp.take_along_axis(row_taps.reshape(1, 1, oh, -1, 1),
                                  pick[:, :, :, None, :], axis=3)[:, :, :, 0, :]
    col_final = xp.take_along_axis(col_pick, row_pick, axis=2)
    return row_pick * w + col_final
