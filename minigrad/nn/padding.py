"""Padding layers over :func:`minigrad.nn.functional.pad`: zero, constant, reflection,
replication and circular padding of the last one, two or three dimensions.

``padding`` is an int (the same on every side) or a tuple ``(left, right)``,
``(left, right, top, bottom)`` or ``(left, right, top, bottom, front, back)``; the last
dimension comes first, as in ``pad``.
"""

from __future__ import annotations

from collections.abc import Sequence

from minigrad.functional.padding import pad
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = [
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
    "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
    "ZeroPad3d",
]


def _sizes(padding: int | Sequence[int], dims: int, name: str) -> tuple[int, ...]:
    if isinstance(padding, int):
        return (padding,) * (2 * dims)
    sizes = tuple(int(p) for p in padding)
    if len(sizes) != 2 * dims:
        raise ValueError(f"{name}: padding must be an int or {2 * dims} ints (before and after "
                         f"each of the last {dims} dimensions), got {tuple(padding)}")
    return sizes


class _PadNd(Module):
    _dims = 1
    _mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _sizes(padding, self._dims, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (self._dims + 1, self._dims + 2):
            raise ValueError(f"{type(self).__name__}: expected {self._dims + 1}D or "
                             f"{self._dims + 2}D input (got {input.ndim}D input of shape "
                             f"{input.shape})")
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(Module):
    _dims = 1

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__()
        self.padding = _sizes(padding, self._dims, type(self).__name__)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``.

    Shape
    -----
    - input: ``(N, C, W_in)`` or ``(C, W_in)``
    - output: ``(N, C, W_out)`` (or ``(C, W_out)``), where
      ``W_out = W_in + left + right``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.ConstantPad1d((1, 2), 9.0)(minigrad.zeros(1, 2)).tolist()
    [[9.0, 0.0, 0.0, 9.0, 9.0]]
    """

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``.

    Shape
    -----
    - input: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = H_in + top + bottom`` and ``W_out = W_in + left + right``
    """

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``.

    Shape
    -----
    - input: ``(N, C, D_in, H_in, W_in)`` or ``(C, D_in, H_in, W_in)``
    - output: ``(N, C, D_out, H_out, W_out)`` (or without ``N``), where
      ``D_out = D_in + front + back``, ``H_out = H_in + top + bottom`` and
      ``W_out = W_in + left + right``
    """

    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros.

    Shape
    -----
    - input: ``(N, C, W_in)`` or ``(C, W_in)``
    - output: ``(N, C, W_out)`` (or ``(C, W_out)``), where
      ``W_out = W_in + left + right``
    """

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros.

    Shape
    -----
    - input: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = H_in + top + bottom`` and ``W_out = W_in + left + right``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.ZeroPad2d((1, 1, 2, 0))(minigrad.ones(1, 1, 2, 2)).shape
    minigrad.Size([1, 1, 4, 4])
    """

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros.

    Shape
    -----
    - input: ``(N, C, D_in, H_in, W_in)`` or ``(C, D_in, H_in, W_in)``
    - output: ``(N, C, D_out, H_out, W_out)`` (or without ``N``), where
      ``D_out = D_in + front + back``, ``H_out = H_in + top + bottom`` and
      ``W_out = W_in + left + right``
    """

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dimension with its mirror image about the edge element
    (``[a b c] -> b [a b c] b``); each padding must be smaller than the dimension.

    Shape
    -----
    - input: ``(N, C, W_in)`` or ``(C, W_in)``
    - output: ``(N, C, W_out)`` (or ``(C, W_out)``), where
      ``W_out = W_in + left + right``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.ReflectionPad1d(2)(minigrad.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    """

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dimensions with their mirror image (style-transfer networks pad
    this way to avoid dark borders).

    Shape
    -----
    - input: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = H_in + top + bottom`` and ``W_out = W_in + left + right``
    """

    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three dimensions with their mirror image.

    Shape
    -----
    - input: ``(N, C, D_in, H_in, W_in)`` or ``(C, D_in, H_in, W_in)``
    - output: ``(N, C, D_out, H_out, W_out)`` (or without ``N``), where
      ``D_out = D_in + front + back``, ``H_out = H_in + top + bottom`` and
      ``W_out = W_in + left + right``
    """

    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dimension by repeating its edge elements.

    Shape
    -----
    - input: ``(N, C, W_in)`` or ``(C, W_in)``
    - output: ``(N, C, W_out)`` (or ``(C, W_out)``), where
      ``W_out = W_in + left + right``
    """

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dimensions by repeating their edge elements.

    Shape
    -----
    - input: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = H_in + top + bottom`` and ``W_out = W_in + left + right``
    """

    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three dimensions by repeating their edge elements.

    Shape
    -----
    - input: ``(N, C, D_in, H_in, W_in)`` or ``(C, D_in, H_in, W_in)``
    - output: ``(N, C, D_out, H_out, W_out)`` (or without ``N``), where
      ``D_out = D_in + front + back``, ``H_out = H_in + top + bottom`` and
      ``W_out = W_in + left + right``
    """

    _dims, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dimension by wrapping around (``[a b c] -> c [a b c] a``).

    Shape
    -----
    - input: ``(N, C, W_in)`` or ``(C, W_in)``
    - output: ``(N, C, W_out)`` (or ``(C, W_out)``), where
      ``W_out = W_in + left + right``
    """

    _dims, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pad the last two dimensions by wrapping around (periodic images).

    Shape
    -----
    - input: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``
    - output: ``(N, C, H_out, W_out)`` (or ``(C, H_out, W_out)``), where
      ``H_out = H_in + top + bottom`` and ``W_out = W_in + left + right``
    """

    _dims, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad the last three dimensions by wrapping around.

    Shape
    -----
    - input: ``(N, C, D_in, H_in, W_in)`` or ``(C, D_in, H_in, W_in)``
    - output: ``(N, C, D_out, H_out, W_out)`` (or without ``N``), where
      ``D_out = D_in + front + back``, ``H_out = H_in + top + bottom`` and
      ``W_out = W_in + left + right``
    """

    _dims, _mode = 3, "circular"
