"""Pooling: max, min, average and power-average (Lp) pooling, and max-unpooling.

Every pooling op is one of two kinds of linear-in-the-gradient map, and each kind is a
closed pair of graph nodes, so gradients of any order stay inside the pair:

* Selection (max, min, adaptive max, unpooling): the forward pass picks one element per
  window and keeps its flat index ``h * W + w``. Backward is :class:`PoolScatter`
  (scatter-add the gradient to the picked elements); the backward of a scatter is
  :class:`PoolGather` (read at the same indices), whose backward is a scatter again.
* Window sums (average, Lp): :class:`WindowSum` adds each window (times a per-window
  scale); its adjoint :class:`WindowSpread` spreads each gradient over its window, and
  the adjoint of that is a window sum again.

Padding is handled inside the nodes: max pooling pads with ``-inf`` and min pooling with
``+inf`` (so padding never wins), sums pad with zeros; indices always refer to the
UNPADDED input plane, as PyTorch's ``return_indices`` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy

from minigrad import references
from minigrad.autograd import Function
from minigrad.backends import pool_kernels
from minigrad.backends.arrays import crop_plane, pad_plane
from minigrad.backends.geometry import (
    NO_PAD,
    Pad4,
    as_pair,
    check_batched,
    check_nonempty,
    padded_size,
    pool_geometry,
)
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, IntOrPair, Pair


class PoolScatter(Function):
    """Add ``g[n, c, i, j]`` into a zero ``input_size`` plane at ``indices[n, c, i, j]``."""

    def forward(ctx, g: Array, indices: Array, input_size: Pair = (1, 1)) -> Array:
        ctx.save(indices)
        return ctx.backend.pool2d_scatter(g, indices, input_size)

    def backward(ctx, g: Tensor) -> tuple[Tensor, None]:
        (indices,) = ctx.saved_tensors
        return PoolGather.apply(g, indices), None


class PoolGather(Function):
    """Read each ``(H, W)`` plane of ``x`` at flat ``indices``."""

    def forward(ctx, x: Array, indices: Array) -> Array:
        ctx.save(indices)
        ctx.size = tuple(x.shape[2:])
        return ctx.backend.pool2d_gather(x, indices)

    def backward(ctx, g: Tensor) -> tuple[Tensor, None]:
        (indices,) = ctx.saved_tensors
        return PoolScatter.apply(g, indices, input_size=ctx.size), None


class Pool2d(Function):
    """Max (``largest=True``) or min pooling; with ``return_indices`` it has two outputs,
    the values and the int64 indices of the picks."""

    def forward(
        ctx, x: Array, kernel_size: Pair = (1, 1), stride: Pair = (1, 1),
        padding: Pad4 = NO_PAD, dilation: Pair = (1, 1), largest: bool = True,
        return_indices: bool = False,
    ) -> Any:
        backend = ctx.backend
        padded = pad_plane(ctx.xp, x, padding, pool_kernels.fill_value(x.dtype, largest))
        if not (return_indices or ctx.needs_input_grad[0]):  # no backward: no indices
            return backend.pool2d(padded, kernel_size, stride, dilation, largest)
        values, index = backend.pool2d(padded, kernel_size, stride, dilation, largest, True)
        if padding != NO_PAD:
            index = pool_kernels.unpadded_indices(ctx.xp, index, padding, x.shape[2:],
                                                  padded.shape[3], stride, dilation)
        ctx.size = tuple(x.shape[2:])
        ctx.save(index)
        return (values, index) if return_indices else values

    def backward(ctx, g: Tensor) -> Tensor:
        (indices,) = ctx.saved_tensors
        return PoolScatter.apply(g, indices, input_size=ctx.size)

    @property
    def name(self) -> str:
        """``MaxPool2dBackward`` or ``MinPool2dBackward``, after the function called."""
        return ("Max" if self.attrs["largest"] else "Min") + "Pool2dBackward"


class MaxUnpool2d(Function):
    """Write ``x`` into a zero plane at ``indices`` (the inverse of max pooling)."""

    def forward(ctx, x: Array, indices: Array, output_size: Pair = (1, 1)) -> Array:
        ctx.save(indices)
        return pool_kernels.unpool2d(ctx.xp, x, indices, output_size)

    def backward(ctx, g: Tensor) -> tuple[Tensor, None]:
        (indices,) = ctx.saved_tensors
        return PoolGather.apply(g, indices), None


class WindowSum(Function):
    """``scale * (sum of each window)`` over the zero-padded input.

    ``scale`` is a number or an ``(oh, ow)`` array (per-window divisors of average pooling).
    """

    def forward(
        ctx, x: Array, kernel_size: Pair = (1, 1), stride: Pair = (1, 1),
        padding: Pad4 = NO_PAD, scale: Any = 1.0,
    ) -> Array:
        ctx.size = tuple(x.shape[2:])
        out = ctx.backend.sum_pool2d(pad_plane(ctx.xp, x, padding), kernel_size, stride, (1, 1))
        if not (isinstance(scale, float) and scale == 1.0):
            out *= scale
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        return WindowSpread.apply(g, input_size=ctx.size, **ctx.attrs)


class WindowSpread(Function):
    """The adjoint of :class:`WindowSum`: spread ``scale * g`` over each window."""

    def forward(
        ctx, g: Array, input_size: Pair = (1, 1), kernel_size: Pair = (1, 1),
        stride: Pair = (1, 1), padding: Pad4 = NO_PAD, scale: Any = 1.0,
    ) -> Array:
        if not (isinstance(scale, float) and scale == 1.0):
            g = g * scale
        size = padded_size(input_size, padding)
        full = ctx.backend.sum_pool2d_backward(g, size, kernel_size, stride, (1, 1))
        return crop_plane(full, padding, input_size)

    def backward(ctx, g: Tensor) -> Tensor:
        attrs = {k: v for k, v in ctx.attrs.items() if k != "input_size"}
        return WindowSum.apply(g, **attrs)


def batched(input: Tensor, op: str, nonempty: int = 3) -> tuple[Tensor, bool]:
    """``input`` with a batch dimension, and whether it already had one. The last
    ``nonempty`` dimensions (channels and the plane) must not be empty."""
    has_batch = check_batched(input.shape, 2, op)
    check_nonempty(input.shape, nonempty, op)
    if has_batch:
        return input, True
    return input.unsqueeze(0), False


def _extremum_pool(
    op: str, input: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None,
    padding: IntOrPair, dilation: IntOrPair, ceil_mode: bool, return_indices: bool,
    largest: bool,
) -> Any:
    x, is_batched = batched(input, op)
    kernel, strides, pad, dilations, _ = pool_geometry(
        op, x.shape, kernel_size, stride, padding, dilation, ceil_mode, "effective")
    out = Pool2d.apply(x, kernel_size=kernel, stride=strides, padding=pad,
                       dilation=dilations, largest=largest, return_indices=return_indices)
    if not return_indices:
        return out if is_batched else out.squeeze(0)
    values, indices = cast(tuple[Tensor, Tensor], out)
    if not is_batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return values, indices


_POOL_SAMPLES = [
    S((2, 3, 4, 4), 2), S((1, 2, 5, 6), [2, 3], stride=(1, 2), padding=1),
    S((1, 1, 7, 7), 3, stride=2, dilation=2, padding=1), S((2, 5, 5), 2, ceil_mode=True),
    S((1, 2, 4, 4), 2, transposed=True), S((1, 1, 4, 4), 3, stride=1, return_indices=True),
    S(Arg((1, 1, 2, 2), "values", values=[[[[1.0, 1.0], [0.0, 1.0]]]]), 2, note="tie",
      grad=False),
]


@op("max_pool2d", Pool2d, PoolScatter, PoolGather, torch=True, functional=True,
    samples=_POOL_SAMPLES, reference=references.max_pool2d)
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

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where

      ``H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
      / stride[0]) + 1``

      and ``W_out`` likewise with index 1 (an int argument stands for a pair; ``stride``
      defaults to ``kernel_size``). ``ceil_mode=True`` rounds up instead, dropping a last
      window that would start in the bottom/right padding.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import max_pool2d
    >>> x = minigrad.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _extremum_pool("max_pool2d", input, kernel_size, stride, padding, dilation,
                          ceil_mode, return_indices, True)


@op("min_pool2d", torch=True, functional=True, samples=_POOL_SAMPLES[:5],
    reference=references.min_pool2d)
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

    Shape
    -----
    As for :func:`max_pool2d`: ``(N, C, H, W)`` (or ``(C, H, W)``) becomes
    ``(N, C, H_out, W_out)``, where

    ``H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
    / stride[0]) + 1``

    and ``W_out`` likewise with index 1; ``ceil_mode=True`` rounds up instead.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import min_pool2d
    >>> x = minigrad.arange(16.0).reshape(1, 1, 4, 4)
    >>> min_pool2d(x, 2).tolist()
    [[[[0.0, 2.0], [8.0, 10.0]]]]
    """
    return _extremum_pool("min_pool2d", input, kernel_size, stride, padding, dilation,
                          ceil_mode, return_indices, False)


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


@op("avg_pool2d", WindowSum, WindowSpread, torch=True, functional=True,
    samples=[S((2, 3, 4, 4), 2), S((1, 2, 5, 6), [3, 2], stride=(2, 1), padding=1),
             S((1, 1, 5, 5), 2, ceil_mode=True, count_include_pad=False),
             S((2, 5, 5), 3, 2, 1, divisor_override=4)],
    reference=references.avg_pool2d)
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

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = floor((H + 2 * padding[0] - kernel_size[0]) / stride[0]) + 1`` and
      ``W_out`` likewise with index 1 (an int argument stands for a pair; ``stride``
      defaults to ``kernel_size``); ``ceil_mode=True`` rounds up instead, dropping a
      last window that would start in the bottom/right padding.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import avg_pool2d
    >>> x = minigrad.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d(x, 2).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    op = "avg_pool2d"
    x, is_batched = batched(input, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    kernel, strides, pad, _, outs = pool_geometry(op, x.shape, kernel_size, stride,
                                                  padding, 1, ceil_mode, "kernel")
    size = x.shape[2:]
    if divisor_override is not None:
        if divisor_override < 1:
            raise ValueError(f"{op}: divisor_override must be at least 1, got "
                             f"{divisor_override}")
        scale: Any = 1.0 / divisor_override
    else:
        scale = _scale(x.backend, x.dtype, size, outs, kernel, strides, (pad[0], pad[2]),
                       count_include_pad)
    out = WindowSum.apply(x, kernel_size=kernel, stride=strides, padding=pad, scale=scale)
    return out if is_batched else out.squeeze(0)


@op("lp_pool2d", functional=True,
    samples=[S((1, 2, 4, 4), 2.0, 2, positive=True), S((1, 1, 4, 6), 3.0, [2, 3], positive=True),
             S((1, 1, 4, 4), float("inf"), 2)],
    reference=references.lp_pool2d)
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

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = floor((H - kernel_size[0]) / stride[0]) + 1`` and ``W_out`` likewise with
      index 1 (no padding; ``stride`` defaults to ``kernel_size``); ``ceil_mode=True``
      rounds up instead.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import lp_pool2d
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
    x, is_batched = batched(input, op)
    kernel, strides, pad, _, _ = pool_geometry(op, x.shape, kernel_size, stride, 0, 1,
                                               ceil_mode, "kernel")
    powered = x * x if p == 2 else x**p
    total = WindowSum.apply(powered, kernel_size=kernel, stride=strides, padding=pad)
    nonzero = total != 0
    safe = total.where(nonzero, 1.0)
    out = (safe.sqrt() if p == 2 else safe ** (1.0 / p)).where(nonzero, 0.0)
    return out if is_batched else out.squeeze(0)


def _unpool_call(f: Any, x: Tensor) -> Any:
    pooled, indices = max_pool2d(x, 2, return_indices=True)
    return f(pooled, indices, 2)


@op("max_unpool2d", MaxUnpool2d, functional=True,
    samples=[S((1, 2, 4, 4), call=_unpool_call)], reference=None)
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

    Shape
    -----
    - input and indices: ``(N, C, H_in, W_in)``, or ``(C, H_in, W_in)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = (H_in - 1) * stride[0] - 2 * padding[0] + kernel_size[0]`` and ``W_out``
      likewise with index 1 (an int argument stands for a pair), unless ``output_size``
      gives them.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import max_pool2d, max_unpool2d
    >>> x = minigrad.tensor([[[[1.0, 5.0], [3.0, 2.0]]]])
    >>> y, i = max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(y, i, 2).tolist()
    [[[[0.0, 5.0], [0.0, 0.0]]]]
    """
    op = "max_unpool2d"
    x, is_batched = batched(input, op)
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
    index = indices if is_batched else indices.unsqueeze(0)
    plane = size[0] * size[1]
    low, high = (int(index.min()), int(index.max())) if index.numel() else (0, 0)
    if low < 0 or high >= plane:
        raise RuntimeError(
            f"{op}: indices must lie in [0, {plane}) for an output plane of {size[0]} x "
            f"{size[1]}; got values in [{low}, {high}]"
        )
    out = MaxUnpool2d.apply(x, index.detach().long(), output_size=(size[0], size[1]))
    return out if is_batched else out.squeeze(0)


@op("max_pool2d_with_indices", functional=True,
    samples=[S((2, 3, 4, 4), 2), S((1, 2, 5, 6), [2, 3], stride=(1, 2), padding=1)],
    reference=lambda a, *args, **kwargs: references.max_pool2d(
        a, *args, **{**kwargs, "return_indices": True}))
def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool2d` returning ``(values, indices)`` whatever ``return_indices`` says
    (PyTorch's name for that form).

    Shape
    -----
    As for :func:`max_pool2d`: ``(N, C, H, W)`` (or ``(C, H, W)``) becomes
    ``(N, C, H_out, W_out)``, values and indices alike, where

    ``H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
    / stride[0]) + 1``

    and ``W_out`` likewise with index 1; ``ceil_mode=True`` rounds up instead.
    """
    result: tuple[Tensor, Tensor] = _extremum_pool(
        "max_pool2d_with_indices", input, kernel_size, stride, padding, dilation, ceil_mode,
        True, True)
    return result
