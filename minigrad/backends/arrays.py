"""Array-level helpers the ops share: padding and cropping image planes, the index maps
of the non-constant padding modes, and scatter-adds. Generic over the namespace ``xp``."""

from __future__ import annotations

from typing import Any

from minigrad.backends.geometry import NO_PAD, Pad4
from minigrad.types import Array, Pair

__all__ = ["crop_plane", "pad_index", "pad_plane", "scatter_add"]


def pad_plane(xp: Any, a: Array, pad: Pad4, value: float = 0.0) -> Array:
    """``a`` (N, C, H, W) with ``pad`` rows/columns of ``value`` around it (no copy if
    there is no padding)."""
    if pad == NO_PAD:
        return a
    top, bottom, left, right = pad
    n, c, h, w = a.shape
    out = xp.full((n, c, h + top + bottom, w + left + right), value, dtype=a.dtype)
    out[:, :, top : top + h, left : left + w] = a
    return out


def crop_plane(a: Array, pad: Pad4, size: Pair) -> Array:
    """The inverse of :func:`pad_plane`: the ``size`` plane at offset ``(top, left)``."""
    if pad == NO_PAD and tuple(a.shape[2:]) == tuple(size):
        return a
    top, left = pad[0], pad[2]
    return a[:, :, top : top + size[0], left : left + size[1]]


def pad_index(xp: Any, size: int, before: int, after: int, mode: str) -> Array:
    """Source positions of a dimension of ``size`` padded by ``before``/``after`` in
    ``mode`` (``"reflect"``, ``"replicate"`` or ``"circular"``): ``out[i] = x[index[i]]``.

    Examples
    --------
    >>> import numpy
    >>> pad_index(numpy, 4, 2, 2, "reflect").tolist()
    [2, 1, 0, 1, 2, 3, 2, 1]
    >>> pad_index(numpy, 4, 2, 2, "replicate").tolist()
    [0, 0, 0, 1, 2, 3, 3, 3]
    >>> pad_index(numpy, 4, 2, 2, "circular").tolist()
    [2, 3, 0, 1, 2, 3, 0, 1]
    """
    positions = xp.arange(-before, size + after, dtype=xp.int64)
    if mode == "replicate":
        return xp.clip(positions, 0, size - 1)
    if mode == "circular":
        return positions % size
    # reflect about the first and last element, which are not repeated
    folded = xp.abs(positions)
    return xp.where(folded > size - 1, 2 * (size - 1) - folded, folded)


def scatter_add(xp: Any, target: Array, index: Any, values: Array) -> None:
    """In-place ``target[index] += values`` with repeated indices accumulating."""
    xp.add.at(target, index, values)
