"""Padding with PyTorch's four modes: constant, reflect, replicate and circular.

Constant padding is one node, :class:`ConstantPad`, whose backward crops. The other modes
never invent values, they repeat existing ones, so each is a gather: for every padded
dimension an index array (:func:`minigrad.backends.arrays.pad_index`) says which input
position each output position copies. The gather is
:class:`~minigrad.functional.indexing.GetItem`, whose backward scatter-adds (a border
element copied three times receives three gradients) and is itself differentiable.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.backends.arrays import pad_index
from minigrad.functional.indexing import GetItem
from minigrad.optable import S, op
from minigrad.tensor import Tensor
from minigrad.types import Array

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Function):
    def forward(ctx, a: Array, widths: tuple[tuple[int, int], ...] = (), value: float = 0
                ) -> Array:
        return ctx.xp.pad(a, widths, constant_values=value)

    def backward(ctx, g: Tensor) -> Tensor:
        widths = ctx.attrs["widths"]
        return g[tuple(slice(lo, n - hi) for (lo, hi), n in zip(widths, g.shape))]


def _numpy_pad(a: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None
               ) -> Any:
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        return numpy.pad(a, widths, constant_values=value or 0.0)
    numpy_mode: Any = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    return numpy.pad(a, widths, mode=numpy_mode)


def _check(input: Tensor, pad: Sequence[int], mode: str) -> None:
    dims = len(pad) // 2
    for i in range(dims):
        axis = input.ndim - 1 - i
        size = input.shape[axis]
        before, after = pad[2 * i], pad[2 * i + 1]
        if mode == "reflect" and (before >= size or after >= size):
            raise ValueError(
                f"pad: reflect padding ({before}, {after}) of dimension {axis} must be smaller "
                f"than its size {size} (input shape {input.shape})"
            )
        if mode == "replicate" and size == 0:
            raise ValueError(
                f"pad: replicate padding needs a non-empty dimension {axis} "
                f"(input shape {input.shape})"
            )
        if mode == "circular" and (before > size or after > size):
            raise ValueError(
                f"pad: circular padding ({before}, {after}) of dimension {axis} may not exceed "
                f"its size {size}, or it would wrap around more than once "
                f"(input shape {input.shape})"
            )


def _crop(input: Tensor, pad: Sequence[int]) -> Tensor:
    """``input`` without the rows and columns that negative pad sizes remove."""
    index = [slice(None)] * input.ndim
    for i in range(len(pad) // 2):
        axis = input.ndim - 1 - i
        size = input.shape[axis]
        before, after = -builtins.min(pad[2 * i], 0), -builtins.min(pad[2 * i + 1], 0)
        if before + after > size:
            raise RuntimeError(
                f"pad: padding ({pad[2 * i]}, {pad[2 * i + 1]}) of dimension {axis} would make "
                f"its size {size} negative (input shape {input.shape})"
            )
        index[axis] = slice(before, size - after)
    return input[tuple(index)]


@op("pad", ConstantPad, functional=True,
    samples=[S((2, 3), [1, 2, 0, 1], value=3.0), S((1, 2, 4), [2, 1], mode="reflect"),
             S((1, 1, 3, 3), [1, 1, 2, 0], mode="replicate"),
             S((2, 4), [2, 3], mode="circular")],
    reference=_numpy_pad)
def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad a tensor, as ``torch.nn.functional.pad``.

    Parameters
    ----------
    input : Tensor
        Any shape.
    pad : sequence of int
        ``(before, after)`` pairs starting from the LAST dimension and going backwards:
        ``(left, right)`` pads the last dimension, ``(left, right, top, bottom)`` the last
        two. A negative size removes that many rows/columns instead (before padding).
    mode : {"constant", "reflect", "replicate", "circular"}
        ``"constant"`` fills with ``value``; ``"reflect"`` mirrors about the edge element
        (``[a b c] -> b [a b c] b``); ``"replicate"`` repeats the edge element;
        ``"circular"`` wraps around (``[a b c] -> c [a b c] a``).
    value : float, optional
        Fill value of constant mode (default 0). The other modes take no value.

    Returns
    -------
    Tensor
        ``input`` with each padded dimension grown by ``before + after``.

    Raises
    ------
    ValueError
        For an unknown mode, an odd or too long ``pad``, a value given to a non-constant
        mode, reflect padding not smaller than the dimension, or circular padding larger
        than it.
    RuntimeError
        If negative sizes remove more than a dimension holds.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad.nn.functional import pad
    >>> x = minigrad.tensor([[1.0, 2.0, 3.0]])
    >>> pad(x, (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {_MODES}, got {mode!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad: expected an even number of sizes, at most 2 per dimension ({2 * input.ndim} "
            f"for shape {input.shape}), got {len(pad)}"
        )
    if any(p < 0 for p in pad):  # negative sizes crop first, as in PyTorch
        input = _crop(input, pad)
        pad = tuple(builtins.max(p, 0) for p in pad)
    if mode == "constant":
        widths = [(0, 0)] * input.ndim
        for i in range(len(pad) // 2):
            widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        return ConstantPad.apply(input, widths=tuple(widths), value=0.0 if value is None else value)
    if value is not None and value != 0:
        raise ValueError(f"pad: mode {mode!r} takes no fill value, got value={value}")
    _check(input, pad, mode)
    xp = input.backend.xp
    out = input
    for i in range(len(pad) // 2):
        before, after = pad[2 * i], pad[2 * i + 1]
        if before == 0 and after == 0:
            continue
        axis = input.ndim - 1 - i
        index = pad_index(xp, input.shape[axis], before, after, mode)
        out = GetItem.apply(out, index=(slice(None),) * axis + (index,))
    return out
