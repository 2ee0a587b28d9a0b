"""Adaptive pooling: average or max pooling to a fixed output size, whatever the input's.

Output cell ``i`` along a dimension of ``n`` inputs covers positions
``floor(i * n / out)`` to ``ceil((i + 1) * n / out) - 1`` (PyTorch's windows), so windows
may differ in size by one and may overlap. When they tile the input exactly these are
plain average / max pooling; otherwise average pooling gathers each window's elements
(so a NaN spoils only the windows that hold it) and max pooling picks by index.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad import references
from minigrad.backends import pool_kernels
from minigrad.backends.geometry import adaptive_taps
from minigrad.functional.operands import constant
from minigrad.functional.pooling import PoolGather, avg_pool2d, batched, max_pool2d
from minigrad.optable import S, op
from minigrad.tensor import Tensor
from minigrad.types import Pair


def _adaptive_size(input: Tensor, output_size: Any, op: str) -> Pair:
    items = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else (
        tuple(output_size))
    if len(items) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    size = tuple(input.shape[-2 + i] if v is None else v for i, v in enumerate(items))
    if not all(isinstance(v, int) and v >= 0 for v in size):
        raise ValueError(f"{op}: output_size must hold non-negative ints (or None), got "
                         f"{output_size!r}")
    return (int(size[0]), int(size[1]))


def _empty_output(x: Tensor, oh: int, ow: int, is_batched: bool) -> Tensor:
    """The output of an adaptive pooling to a size with a 0 in it: no elements (PyTorch
    gives it too, and can't differentiate it either)."""
    xp = x.backend.xp
    out = constant(x, xp.zeros((x.shape[0], x.shape[1], oh, ow), dtype=x.dtype))
    return out if is_batched else out.squeeze(0)


def _window_mean(x: Tensor, n_out: int, dim: int) -> Tensor:
    """Mean over each adaptive window along ``dim`` (2 or 3) of ``x``."""
    table, real = adaptive_taps(x.shape[dim], n_out)
    index = constant(x, numpy.asarray(table, dtype=numpy.int64), numpy.int64)
    mask = numpy.asarray(real)
    scale = constant(x, 1.0 / mask.sum(axis=1))
    if dim == 3:  # picked: (n, c, h, out, k)
        picked, keep = x[:, :, :, index], constant(x, mask, bool)
    else:  # picked: (n, c, out, k, w)
        picked, keep = x[:, :, index, :], constant(x, mask[:, :, None], bool)
        scale = scale.reshape(-1, 1)
    return picked.where(keep, 0.0).sum(dim + 1) * scale


@op("adaptive_avg_pool2d", functional=True,
    samples=[S((2, 3, 7, 5), 1), S((1, 2, 6, 4), [3, 2]), S((1, 2, 7, 5), [3, 4]),
             S((2, 5, 6), (4, None))],
    reference=references.adaptive_avg_pool2d)
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
        If ``output_size`` is negative.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: ``(N, C, *output_size)`` (or ``(C, *output_size)``), whatever ``H`` and
      ``W``; an ``int`` means a square, ``None`` keeps that input size. Output cell ``i``
      of ``out`` along a side of ``n`` covers inputs ``floor(i * n / out)`` to
      ``ceil((i + 1) * n / out) - 1``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import adaptive_avg_pool2d
    >>> adaptive_avg_pool2d(minigrad.ones(2, 3, 7, 5), 1).shape
    minigrad.Size([2, 3, 1, 1])
    """
    op = "adaptive_avg_pool2d"
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {input.dtype}")
    x, is_batched = batched(input, op, nonempty=2)
    oh, ow = _adaptive_size(x, output_size, op)
    h, w = x.shape[2], x.shape[3]
    if oh == 0 or ow == 0:
        return _empty_output(x, oh, ow, is_batched)
    if (oh, ow) == (1, 1):
        out = x.mean((2, 3), keepdim=True)
    elif h % oh == 0 and w % ow == 0:
        out = avg_pool2d(x, (h // oh, w // ow))
    else:  # a rectangle's mean is the mean over its rows of the mean over its columns
        out = _window_mean(_window_mean(x, ow, 3), oh, 2)
    return out if is_batched else out.squeeze(0)


@op("adaptive_max_pool2d", functional=True,
    samples=[S((2, 3, 7, 5), 1), S((1, 2, 6, 4), [3, 2]), S((1, 2, 7, 5), [3, 4]),
             S((1, 2, 5, 5), [2, 3], return_indices=True)],
    reference=references.adaptive_max_pool2d)
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

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output (and indices): ``(N, C, *output_size)`` (or ``(C, *output_size)``), whatever
      ``H`` and ``W``; an ``int`` means a square, ``None`` keeps that input size, and the
      windows are those of :func:`adaptive_avg_pool2d`.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import adaptive_max_pool2d
    >>> x = minigrad.arange(12.0).reshape(1, 1, 3, 4)
    >>> adaptive_max_pool2d(x, 1).tolist()
    [[[[11.0]]]]
    """
    op = "adaptive_max_pool2d"
    x, is_batched = batched(input, op, nonempty=3 if input.ndim == 4 else 2)
    oh, ow = _adaptive_size(x, output_size, op)
    h, w = x.shape[2], x.shape[3]
    if oh == 0 or ow == 0:
        out = _empty_output(x, oh, ow, is_batched)
        return (out, out.long()) if return_indices else out
    if h % oh == 0 and w % ow == 0 and (oh, ow) != (1, 1):
        return max_pool2d(input, (h // oh, w // ow), return_indices=return_indices)
    index = pool_kernels.adaptive_argmax(x.backend.xp, x.array, oh, ow)
    indices = Tensor.from_array(index, x.backend)
    out = PoolGather.apply(x, indices)
    if not is_batched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out




@op("adaptive_max_pool2d_with_indices", functional=True,
    samples=[S((2, 3, 7, 5), 1), S((1, 2, 7, 5), [3, 4])],
    reference=lambda a, size, return_indices=False: references.adaptive_max_pool2d(
        a, size, True))
def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool2d` returning ``(values, indices)`` always (PyTorch's name
    for that form).

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output (values and indices): ``(N, C, *output_size)`` (or ``(C, *output_size)``)
    """
    result: tuple[Tensor, Tensor] = adaptive_max_pool2d(input, output_size, True)
    return result
