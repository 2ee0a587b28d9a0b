"""Pooling: max, min, average, power-average (Lp), adaptive and global pooling, max-unpooling.

Every pooling op is one of two kinds of linear-in-the-gradient map, and each kind is a
closed pair of graph nodes, so gradients of any order stay inside the pair:

* Selection (max, min, adaptive max, unpooling): the forward pass picks one element per
  window and remembers its flat index ``h * W + w``. Backward is :class:`PoolScatter`
  (scatter-add the gradient to the picked elements); the backward of a scatter is
  :class:`PoolGather` (read at the same indices), whose backward is a scatter again.
* Window sums (average, Lp): :class:`WindowSum` adds each window (times a per-window
  scale); its backward :class:`WindowSumBackward` spreads each gradient over its window,
  and the backward of that is a window sum again.

Padding is handled inside the nodes: max pooling pads with ``-inf`` and min pooling with
``+inf`` (so padding never wins), sums pad with zeros; indices always refer to the
UNPADDED input plane, as PyTorch's ``return_indices`` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.autograd import Function, is_grad_enabled
from minigrad.ops.conv import IntOrPair, Pad4, Pair, _padded, as_pair, window_count
from minigrad.tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "avg_pool2d",
    "lp_pool2d",
    "max_pool2d",
    "max_unpool2d",
    "min_pool2d",
]

Array = Any
_NO_PAD: Pad4 = (0, 0, 0, 0)


# --- graph nodes: selection -------------------------------------------------------------
class PoolScatter(Function):
    """Add ``g[n, c, i, j]`` into a zero ``input_size`` plane at ``indices[n, c, i, j]``."""

    save_inputs = (1,)

    def forward(ctx, g: Array, indices: Array, input_size: Pair = (1, 1)) -> Array:
        return ctx.backend.pool2d_scatter(g, indices, input_size)

    def backward(ctx, big_g: Tensor) -> tuple[Tensor, None]:
        (indices,) = ctx.saved
        return PoolGather.apply(big_g, indices), None


class PoolGather(Function):
    """Read each ``(H, W)`` plane of ``x`` at flat ``indices``."""

    save_inputs = (1,)

    def forward(ctx, x: Array, indices: Array) -> Array:
        ctx.size = tuple(x.shape[2:])
        return ctx.backend.pool2d_gather(x, indices)

    def backward(ctx, g: Tensor) -> tuple[Tensor, None]:
        (indices,) = ctx.saved
        return PoolScatter.apply(g, indices, input_size=ctx.size), None


class ExtremumPool2d(Function):
    """Max (``largest=True``) or min pooling; the picked indices stay on the node."""

    def forward(
        ctx, x: Array, kernel_size: Pair = (1, 1), stride: Pair = (1, 1),
        padding: Pad4 = _NO_PAD, dilation: Pair = (1, 1), largest: bool = True,
    ) -> Array:
        values, ctx.indices = _extremum(ctx.backend, x, kernel_size, stride, padding, dilation,
                                        largest)
        ctx.size = tuple(x.shape[2:])
        return values

    def backward(ctx, g: Tensor) -> Tensor:
        return PoolScatter.apply(g, g._wrap(ctx.indices), input_size=ctx.size)


class MaxUnpool2d(Function):
    """Write ``x`` into a zero plane at ``indices`` (the inverse of max pooling)."""

    save_inputs = (1,)

    def forward(ctx, x: Array, indices: Array, output_size: Pair = (1, 1)) -> Array:
        xp = ctx.xp
        n, c = x.shape[0], x.shape[1]
        plane = output_size[0] * output_size[1]
        out = xp.zeros((n * c, plane), dtype=x.dtype)
        rows = xp.arange(n * c).reshape(n * c, 1)
        out[rows, indices.reshape(n * c, -1)] = x.reshape(n * c, -1)
        return out.reshape(n, c, output_size[0], output_size[1])

    def backward(ctx, g: Tensor) -> tuple[Tensor, None]:
        (indices,) = ctx.saved
        return PoolGather.apply(g, indices), None


# --- graph nodes: window sums -----------------------------------------------------------
class WindowSum(Function):
    """``scale * (sum of each window)`` over the zero-padded input.

    ``scale`` is a number or an ``(oh, ow)`` array (per-window divisors of average pooling).
    """

    def forward(
        ctx, x: Array, kernel_size: Pair = (1, 1), stride: Pair = (1, 1),
        padding: Pad4 = _NO_PAD, scale: Any = 1.0,
    ) -> Array:
        ctx.size = tuple(x.shape[2:])
        out = ctx.backend.sum_pool2d(_padded(ctx.xp, x, padding), kernel_size, stride, (1, 1))
        if not (isinstance(scale, float) and scale == 1.0):
            out *= scale
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        return WindowSumBackward.apply(g, input_size=ctx.size, **ctx.attrs)


class WindowSumBackward(Function):
    """The adjoint of :class:`WindowSum`: spread ``scale * g`` over each window."""

    def forward(
        ctx, g: Array, input_size: Pair = (1, 1), kernel_size: Pair = (1, 1),
        stride: Pair = (1, 1), padding: Pad4 = _NO_PAD, scale: Any = 1.0,
    ) -> Array:
        if not (isinstance(scale, float) and scale == 1.0):
            g = g * scale
        size = (input_size[0] + padding[0] + padding[1], input_size[1] + padding[2] + padding[3])
        full = ctx.backend.sum_pool2d_backward(g, size, kernel_size, stride, (1, 1))
        if padding == _NO_PAD:
            return full
        return full[:, :, padding[0] : padding[0] + input_size[0],
                    padding[2] : padding[2] + input_size[1]]

    def backward(ctx, big_g: Tensor) -> Tensor:
        attrs = {k: v for k, v in ctx.attrs.items() if k != "input_size"}
        return WindowSum.apply(big_g, **attrs)


# --- array helpers ----------------------------------------------------------------------
def _fill_value(dtype: Any, largest: bool) -> Any:
    """The value padding must hold so that it never wins the comparison."""
    if dtype.kind == "f":
        return -math.inf if largest else math.inf
    info = numpy.iinfo(dtype)
    return info.min if largest else info.max


def _extremum(
    backend: Any, x: Array, kernel: Pair, stride: Pair, pad: Pad4, dilation: Pair,
    largest: bool,
) -> tuple[Array, Array]:
    """Window max/min of ``x`` and the flat indices of the picks in the unpadded plane."""
    xp = backend.xp
    padded = _padded(xp, x, pad, _fill_value(x.dtype, largest))
    kernel_fn = backend.max_pool2d if largest else backend.min_pool2d
    values, index = kernel_fn(padded, kernel, stride, dilation)
    if pad == _NO_PAD:
        return values, index
    h, w = x.shape[2], x.shape[3]
    wide = padded.shape[3]
    rows = index // wide - pad[0]
    cols = index % wide - pad[2]
    outside = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
    if bool(outside.any()):
        # every real element of such a window equals the padding (all -inf for max):
        # point at the window's first real element, as PyTorch does
        oh, ow = values.shape[2], values.shape[3]
        first_r = _first_inside(xp, oh, stride[0], pad[0], dilation[0], h)
        first_c = _first_inside(xp, ow, stride[1], pad[2], dilation[1], w)
        rows = xp.where(outside, first_r.reshape(oh, 1), rows)
        cols = xp.where(outside, first_c.reshape(1, ow), cols)
    return values, rows * w + cols


def _first_inside(xp: Any, n_out: int, stride: int, before: int, dilation: int, n: int) -> Array:
    """Per output position, the first tap of its window that lies inside the input."""
    start = xp.arange(n_out, dtype=xp.int64) * stride - before
    skip = xp.maximum(-start + dilation - 1, 0) // dilation
    return xp.clip(start + skip * dilation, 0, n - 1)


# --- argument checking ------------------------------------------------------------------
def _batched(input: Tensor, op: str) -> tuple[Tensor, bool]:
    if input.ndim == 4:
        return input, True
    if input.ndim == 3:
        return input.unsqueeze(0), False
    raise RuntimeError(
        f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {input.shape}"
    )


def _geometry(
    op: str, input: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None,
    padding: IntOrPair, dilation: IntOrPair, ceil_mode: bool, pad_limit: str,
) -> tuple[Pair, Pair, Pad4, Pair, Pair]:
    """Validate the pooling options; return kernel, stride, (top, bottom, left, right)
    padding (bottom/right grown so that ceil-mode windows fit), dilation and output size."""
    kernel = as_pair(kernel_size, "kernel_size", op)
    strides = kernel if stride is None or stride == () or stride == [] else as_pair(
        stride, "stride", op)
    pads = as_pair(padding, "padding", op, minimum=0)
    dilations = as_pair(dilation, "dilation", op)
    for p, k, d in zip(pads, kernel, dilations):
        limit = (d * (k - 1) + 1) // 2 if pad_limit == "effective" else k // 2
        if p > limit:
            raise ValueError(
                f"{op}: padding {pads} must be at most half of the kernel {kernel}"
                + (f" with dilation {dilations}" if pad_limit == "effective" else "")
                + f" (at most {limit} here), or some windows would hold only padding"
            )
    size = input.shape[-2:]
    outs = tuple(
        window_count(n, k, s, p, p, d, ceil_mode)
        for n, k, s, p, d in zip(size, kernel, strides, pads, dilations)
    )
    if outs[0] < 1 or outs[1] < 1:
        raise RuntimeError(
            f"{op}: input plane {size[0]} x {size[1]} (shape {input.shape}) gives an output of "
            f"{outs[0]} x {outs[1]} with kernel {kernel}, stride {strides}, padding {pads} and "
            f"dilation {dilations}; the output must be at least 1 x 1"
        )
    extra = [
        max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
        for o, s, d, k, n, p in zip(outs, strides, dilations, kernel, size, pads)
    ]
    pad4: Pad4 = (pads[0], pads[0] + extra[0], pads[1], pads[1] + extra[1])
    return kernel, strides, pad4, dilations, (outs[0], outs[1])


# --- max / min pooling ------------------------------------------------------------------
def _extremum_pool(
    op: str, input: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None,
    padding: IntOrPair, dilation: IntOrPair, ceil_mode: bool, return_indices: bool,
    largest: bool,
) -> Any:
    x, batched = _batched(input, op)
    kernel, strides, pad, dilations, _ = _geometry(
        op, x, kernel_size, stride, padding, dilation, ceil_mode, "effective")
    index: Array = None
    if is_grad_enabled() and x.requires_grad:
        out = ExtremumPool2d.apply(x, kernel_size=kernel, stride=strides, padding=pad,
                                   dilation=dilations, largest=largest)
        index = out.grad_fn.indices if return_indices else None  # type: ignore[union-attr]
    elif return_indices:
        values, index = _extremum(x._backend, x._data, kernel, strides, pad, dilations,
                                  largest)
        out = Tensor._make(values, x._backend)
    else:  # no backward and no indices wanted: the cheaper values-only kernel
        backend = x._backend
        padded = _padded(backend.xp, x._data, pad, _fill_value(x.dtype, largest))
        out = Tensor._make(
            backend.extremum_pool2d(padded, kernel, strides, dilations, largest), backend)
    if not batched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    indices = Tensor._make(index if batched else index[0], x._backend)
    return out, indices


def max_pool2d(
    input: Tensor,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    Each output is the largest element of its window. The padding is ``-inf``, so it never
    wins. The gradient goes only to the element that was picked; when several elements tie
    for the maximum, the FIRST one in row-major window order (top row first, then left to
    right) is picked and gets the whole gradient, as in PyTorch on the CPU. Second-order
    gradients flow through the same picked indices.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    kernel_size : int or pair of int
        Window size.
    stride : int or pair of int, optional
        Step between windows; defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or pair of int
        ``-inf`` rows/columns on each side; at most half the (dilated) kernel.
    dilation : int or pair of int
        Spacing between window taps.
    ceil_mode : bool
        Round the output size up, so a last partial window at the bottom/right is kept
        (unless it would start in the padding).
    return_indices : bool
        Also return the flat indices ``h * W + w`` of the picked elements in the unpadded
        input plane (for :func:`max_unpool2d`).

    Returns
    -------
    Tensor or (Tensor, Tensor)
        ``(N, C, oh, ow)`` values, and int64 indices of the same shape when asked.

    Raises
    ------
    RuntimeError
        If the input is not 3-D/4-D or the output would be empty.
    ValueError
        For bad kernel/stride/padding/dilation values, or padding over half the kernel.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.pooling import max_pool2d
    >>> x = minigrad.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _extremum_pool("max_pool2d", input, kernel_size, stride, padding, dilation,
                          ceil_mode, return_indices, True)


def min_pool2d(
    input: Tensor,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """2-D min pooling: each output is the smallest element of its window.

    PyTorch has no min pooling (``-max_pool2d(-x)`` is the usual stand-in); this one takes
    the same options as :func:`max_pool2d`. The padding is ``+inf``; ties go to the first
    minimum in row-major window order, which alone receives the gradient.

    Parameters
    ----------
    input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
        As for :func:`max_pool2d`.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        The window minima, and their flat indices in the unpadded plane when asked.

    Raises
    ------
    RuntimeError, ValueError
        As for :func:`max_pool2d`.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.pooling import min_pool2d
    >>> x = minigrad.arange(16.0).reshape(1, 1, 4, 4)
    >>> min_pool2d(x, 2).tolist()
    [[[[0.0, 2.0], [8.0, 10.0]]]]
    """
    return _extremum_pool("min_pool2d", input, kernel_size, stride, padding, dilation,
                          ceil_mode, return_indices, False)


# --- average and Lp pooling -------------------------------------------------------------
def _window_counts(
    n: int, n_out: int, kernel: int, stride: int, pad: int, include_pad: bool
) -> list[int]:
    """How many elements each window along a dimension divides by (PyTorch's rule: the
    padding counts when ``include_pad``, the ceil-mode overhang past it never does)."""
    counts = []
    for i in range(n_out):
        start = i * stride - pad
        end = min(start + kernel, n + pad)
        if not include_pad:
            start, end = max(start, 0), min(end, n)
        counts.append(end - start)
    return counts


def _scale(
    backend: Any, dtype: Any, size: Sequence[int], outs: Pair, kernel: Pair, stride: Pair,
    pads: Pair, include_pad: bool,
) -> Any:
    """``1 / divisor`` of every window: a number when all windows agree, else an array."""
    rows = _window_counts(size[0], outs[0], kernel[0], stride[0], pads[0], include_pad)
    cols = _window_counts(size[1], outs[1], kernel[1], stride[1], pads[1], include_pad)
    if len(set(rows)) == 1 and len(set(cols)) == 1:
        return 1.0 / (rows[0] * cols[0])
    divisor = numpy.outer(numpy.asarray(rows, dtype=dtype), numpy.asarray(cols, dtype=dtype))
    return backend.asarray(1.0 / divisor, dtype=dtype)


def avg_pool2d(
    input: Tensor,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    Each output is the sum of its window divided by the window's size. The padding is
    zeros. The backward pass spreads each output gradient evenly (times ``1/divisor``) over
    its window.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    kernel_size : int or pair of int
        Window size.
    stride : int or pair of int, optional
        Defaults to ``kernel_size``.
    padding : int or pair of int
        Zero rows/columns on each side; at most half the kernel.
    ceil_mode : bool
        Round the output size up, keeping a last partial window.
    count_include_pad : bool
        Whether padded zeros count in the divisor. Either way the part of a ceil-mode
        window that sticks out past the padding is never counted (PyTorch's rule).
    divisor_override : int, optional
        Divide every window by this number instead.

    Returns
    -------
    Tensor
        ``(N, C, oh, ow)`` (or ``(C, oh, ow)``).

    Raises
    ------
    RuntimeError, ValueError
        As for :func:`max_pool2d`; ``ValueError`` for a divisor_override below 1.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.pooling import avg_pool2d
    >>> x = minigrad.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d(x, 2).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    op = "avg_pool2d"
    x, batched = _batched(input, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    kernel, strides, pad, _, outs = _geometry(op, x, kernel_size, stride, padding, 1,
                                              ceil_mode, "kernel")
    size = x.shape[2:]
    if divisor_override is not None:
        if divisor_override < 1:
            raise ValueError(f"{op}: divisor_override must be at least 1, got "
                             f"{divisor_override}")
        scale: Any = 1.0 / divisor_override
    else:
        scale = _scale(x._backend, x.dtype, size, outs, kernel, strides, (pad[0], pad[2]),
                       count_include_pad)
    out = WindowSum.apply(x, kernel_size=kernel, stride=strides, padding=pad, scale=scale)
    return out if batched else out.squeeze(0)


def lp_pool2d(
    input: Tensor,
    norm_type: float,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average (Lp) pooling: ``(sum of x**p over the window) ** (1/p)``.

    With ``p = 1`` it is sum pooling, with ``p = 2`` the Euclidean norm of the window, and
    as ``p`` grows it approaches max pooling (``norm_type=inf`` is max pooling of ``|x|``,
    ``-inf`` min pooling of ``|x|``).
    Like ``torch.nn.functional.lp_pool2d`` it raises ``x`` (not ``|x|``) to the power, and
    a window whose sum is zero gets output 0 and gradient 0. With ``ceil_mode`` a partial
    window sums the elements it holds (PyTorch instead scales their mean by the full window
    size, so the two differ there).

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    norm_type : float
        The power ``p`` (non-zero), or ``inf`` / ``-inf``.
    kernel_size : int or pair of int
        Window size.
    stride : int or pair of int, optional
        Defaults to ``kernel_size``.
    ceil_mode : bool
        Keep a last partial window.

    Returns
    -------
    Tensor
        ``(N, C, oh, ow)`` (or ``(C, oh, ow)``).

    Raises
    ------
    ValueError
        If ``norm_type`` is 0 or a geometry value is bad.
    RuntimeError
        As for :func:`max_pool2d`.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.pooling import lp_pool2d
    >>> x = minigrad.tensor([[[[3.0, 4.0], [0.0, 0.0]]]])
    >>> lp_pool2d(x, 2, 2).tolist()
    [[[[5.0]]]]
    """
    op = "lp_pool2d"
    p = float(norm_type)
    if p == 0 or math.isnan(p):
        raise ValueError(f"{op}: norm_type must be non-zero, got {norm_type}")
    if math.isinf(p):
        if p > 0:
            largest: Tensor = max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
            return largest
        smallest: Tensor = min_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return smallest
    x, batched = _batched(input, op)
    kernel, strides, pad, _, _ = _geometry(op, x, kernel_size, stride, 0, 1, ceil_mode,
                                           "kernel")
    powered = x * x if p == 2 else x**p
    total = WindowSum.apply(powered, kernel_size=kernel, stride=strides, padding=pad)
    nonzero = total != 0
    safe = total.where(nonzero, 1.0)
    out = (safe.sqrt() if p == 2 else safe ** (1.0 / p)).where(nonzero, 0.0)
    return out if batched else out.squeeze(0)


# --- adaptive and global pooling --------------------------------------------------------
def _adaptive_size(input: Tensor, output_size: Any, op: str) -> Pair:
    items = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else (
        tuple(output_size))
    if len(items) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    size = tuple(input.shape[-2 + i] if v is None else v for i, v in enumerate(items))
    if not all(isinstance(v, int) and v >= 1 for v in size):
        raise ValueError(f"{op}: output_size must hold positive ints (or None), got "
                         f"{output_size!r}")
    return (int(size[0]), int(size[1]))


def _adaptive_bounds(n: int, n_out: int) -> list[tuple[int, int]]:
    """PyTorch's windows: ``[floor(i * n / n_out), ceil((i + 1) * n / n_out))``."""
    return [((i * n) // n_out, -(-((i + 1) * n) // n_out)) for i in range(n_out)]


def _mean_matrix(backend: Any, dtype: Any, n: int, n_out: int) -> Array:
    """``(n_out, n)`` matrix whose row ``i`` averages window ``i``."""
    matrix = numpy.zeros((n_out, n), dtype=dtype)
    for i, (start, end) in enumerate(_adaptive_bounds(n, n_out)):
        matrix[i, start:end] = 1.0 / (end - start)
    return backend.asarray(matrix, dtype=dtype)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Output cell ``i`` (along each dimension) averages input positions
    ``floor(i * n / out)`` to ``ceil((i + 1) * n / out) - 1``, so windows may differ in
    size by one and may overlap. ``output_size=1`` is global average pooling: any
    ``(N, C, H, W)`` becomes ``(N, C, 1, 1)``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    output_size : int or pair of (int or None)
        Target ``(oh, ow)``; ``None`` keeps that input dimension.

    Returns
    -------
    Tensor
        ``(N, C, oh, ow)`` (or ``(C, oh, ow)``).

    Raises
    ------
    RuntimeError
        If the input is not 3-D/4-D.
    ValueError
        If ``output_size`` is not positive.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.pooling import adaptive_avg_pool2d
    >>> adaptive_avg_pool2d(minigrad.ones(2, 3, 7, 5), 1).shape
    (2, 3, 1, 1)
    """
    op = "adaptive_avg_pool2d"
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {input.dtype}")
    x, batched = _batched(input, op)
    oh, ow = _adaptive_size(x, output_size, op)
    h, w = x.shape[2], x.shape[3]
    if (oh, ow) == (1, 1):
        out = x.mean((2, 3), keepdim=True)
    elif h % oh == 0 and w % ow == 0:
        out = avg_pool2d(x, (h // oh, w // ow))
    else:
        # a rectangle's mean is the mean over its rows of the mean over its columns
        rows = Tensor._make(_mean_matrix(x._backend, x.dtype, h, oh), x._backend)
        cols = Tensor._make(_mean_matrix(x._backend, x.dtype, w, ow), x._backend)
        out = rows @ (x @ cols.mT)
    return out if batched else out.squeeze(0)


def _adaptive_argmax(xp: Any, x: Array, oh: int, ow: int) -> Array:
    """Flat index of the first maximum of every adaptive window (row-major ties)."""
    n, c, h, w = x.shape

    def taps(size: int, n_out: int) -> Array:
        bounds = _adaptive_bounds(size, n_out)
        longest = max(end - start for start, end in bounds)
        # short windows repeat their first tap, which changes neither max nor first argmax
        table = [[start + t if t < end - start else start for t in range(longest)]
                 for start, end in bounds]
        return xp.asarray(numpy.asarray(table, dtype=numpy.int64))

    col_taps = taps(w, ow)  # (ow, kw)
    row_taps = taps(h, oh)  # (oh, kh)
    # stage 1: best column of each row within each column window
    by_col = x[:, :, :, col_taps]  # (n, c, h, ow, kw)
    col_pick = xp.take_along_axis(col_taps.reshape(1, 1, 1, ow, -1),
                                  by_col.argmax(axis=4)[..., None], axis=4)[..., 0]
    col_best = xp.take_along_axis(x, col_pick.reshape(n, c, h, ow), axis=3)  # (n, c, h, ow)
    # stage 2: best row within each row window (first row wins ties: row-major order)
    by_row = col_best[:, :, row_taps, :]  # (n, c, oh, kh, ow)
    pick = by_row.argmax(axis=3)  # (n, c, oh, ow)
    row_pick = xp.take_along_axis(row_taps.reshape(1, 1, oh, -1, 1),
                                  pick[:, :, :, None, :], axis=3)[:, :, :, 0, :]
    col_final = xp.take_along_axis(col_pick, row_pick, axis=2)
    return row_pick * w + col_final


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size, as ``torch.nn.functional.adaptive_max_pool2d``.

    Windows are those of :func:`adaptive_avg_pool2d`. ``output_size=1`` is global max
    pooling. Ties go to the first maximum in row-major order, which alone gets the gradient.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    output_size : int or pair of (int or None)
        Target ``(oh, ow)``; ``None`` keeps that input dimension.
    return_indices : bool
        Also return flat ``h * W + w`` indices of the picked elements.

    Returns
    -------
    Tensor or (Tensor, Tensor)

    Raises
    ------
    RuntimeError, ValueError
        As for :func:`adaptive_avg_pool2d`.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.pooling import adaptive_max_pool2d
    >>> x = minigrad.arange(12.0).reshape(1, 1, 3, 4)
    >>> adaptive_max_pool2d(x, 1).tolist()
    [[[[11.0]]]]
    """
    op = "adaptive_max_pool2d"
    x, batched = _batched(input, op)
    oh, ow = _adaptive_size(x, output_size, op)
    n, c, h, w = x.shape
    if h % oh == 0 and w % ow == 0 and (oh, ow) != (1, 1):
        return max_pool2d(input, (h // oh, w // ow), return_indices=return_indices)
    xp = x._backend.xp
    if (oh, ow) == (1, 1):
        index = x._data.reshape(n, c, h * w).argmax(axis=2).reshape(n, c, 1, 1)
    else:
        index = _adaptive_argmax(xp, x._data, oh, ow)
    indices = Tensor._make(index, x._backend)
    out = PoolGather.apply(x, indices)
    if not batched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out


# --- unpooling --------------------------------------------------------------------------
def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """Undo max pooling, as ``torch.nn.functional.max_unpool2d``.

    Puts each value back where :func:`max_pool2d` (with ``return_indices=True``) found it
    and fills the rest with zeros. When windows overlapped and one element was the maximum
    of several, it is written once (not summed). The gradient reads the output gradient
    at ``indices``.

    Parameters
    ----------
    input : Tensor
        Pooled values ``(N, C, h, w)`` or ``(C, h, w)``.
    indices : Tensor
        Integer tensor of the same shape: flat ``H * W`` plane positions.
    kernel_size, stride, padding : int or pair of int
        The pooling's geometry; ``stride`` defaults to ``kernel_size``.
    output_size : sequence of int, optional
        ``(H, W)`` (or a full shape ending with it) of the plane to rebuild; by default
        ``(h - 1) * stride - 2 * padding + kernel_size``.

    Returns
    -------
    Tensor
        ``(N, C, H, W)`` (or ``(C, H, W)``).

    Raises
    ------
    RuntimeError
        If ``indices`` has another shape than ``input``, is not an integer tensor, or points
        outside the output plane.
    ValueError
        For bad geometry values.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.ops.pooling import max_pool2d, max_unpool2d
    >>> x = minigrad.tensor([[[[1.0, 5.0], [3.0, 2.0]]]])
    >>> y, i = max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(y, i, 2).tolist()
    [[[[0.0, 5.0], [0.0, 0.0]]]]
    """
    op = "max_unpool2d"
    x, batched = _batched(input, op)
    if indices.shape != input.shape:
        raise RuntimeError(
            f"{op}: indices shape {indices.shape} must equal the input shape {input.shape}"
        )
    if indices.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: indices must be an integer tensor, got dtype "
                           f"{indices.dtype}")
    kernel = as_pair(kernel_size, "kernel_size", op)
    strides = kernel if stride is None else as_pair(stride, "stride", op)
    pads = as_pair(padding, "padding", op, minimum=0)
    if output_size is None:
        size = tuple((n - 1) * s - 2 * p + k
                     for n, s, p, k in zip(x.shape[2:], strides, pads, kernel))
    else:
        given = tuple(int(v) for v in output_size)
        if len(given) not in (2, 3, 4):
            raise ValueError(f"{op}: output_size must end with (H, W), got {output_size!r}")
        size = given[-2:]
    if size[0] < 1 or size[1] < 1:
        raise RuntimeError(f"{op}: the output size {size} is too small")
    index = indices if batched else indices.unsqueeze(0)
    plane = size[0] * size[1]
    if index.numel() and (int(index._data.min()) < 0 or int(index._data.max()) >= plane):
        raise RuntimeError(
            f"{op}: indices must lie in [0, {plane}) for an output plane of {size[0]} x "
            f"{size[1]}; got values in [{int(index._data.min())}, {int(index._data.max())}]"
        )
    out = MaxUnpool2d.apply(x, index.detach().long(), output_size=(size[0], size[1]))
    return out if batched else out.squeeze(0)
