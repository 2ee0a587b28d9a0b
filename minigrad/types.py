"""Type aliases shared by the op signatures (and by the generated Tensor method stub)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Union

if TYPE_CHECKING:
    from minigrad.tensor import Tensor

__all__ = ["Array", "Dims", "IntOrPair", "Pair", "Scalar", "Shape", "ValuesIndices"]

Array = Any  # an array of the tensor's backend (numpy.ndarray, cupy.ndarray, ...)
Scalar = Union[int, float, bool]
Shape = tuple[int, ...]
Dims = Union[int, Sequence[int], None]  # None (or ()) means every dimension
Pair = tuple[int, int]
IntOrPair = Union[int, Sequence[int]]


class ValuesIndices(NamedTuple):
    """The ``(values, indices)`` pair returned by ``max(dim)``, ``min(dim)`` and friends."""

    values: Tensor
    indices: Tensor
