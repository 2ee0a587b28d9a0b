"""``minigrad.Size``: a tensor shape, a tuple of ints as ``torch.Size``."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any, SupportsIndex, overload

__all__ = ["Size"]


class Size(tuple[int, ...]):
    """The size of each dimension of a tensor: a tuple of ints with :meth:`numel`.

    Made from an iterable of ints, the dimensions (empty for a 0-d tensor). It compares
    equal to plain tuples, and slicing, ``+`` and ``*`` give a ``Size`` again.

    Raises
    ------
    TypeError
        If ``sizes`` is not iterable or holds something that is not an integer.

    Examples
    --------
    >>> import minigrad
    >>> s = minigrad.Size([2, 3, 4])
    >>> s, s.numel(), s[1:], s == (2, 3, 4)
    (minigrad.Size([2, 3, 4]), 24, minigrad.Size([3, 4]), True)
    """

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        if isinstance(sizes, (int, float)):
            raise TypeError(f"'{type(sizes).__name__}' object is not iterable")
        items = []
        for i, n in enumerate(sizes):
            try:
                items.append(operator.index(n))
            except TypeError:
                raise TypeError(
                    f"minigrad.Size() takes an iterable of 'int' (item {i} is "
                    f"'{type(n).__name__}')"
                ) from None
        return super().__new__(cls, items)

    def numel(self) -> int:
        """The number of elements of a tensor of this size (1 for ``Size([])``)."""
        total = 1
        for n in self:
            total *= n
        return total

    def __repr__(self) -> str:
        return f"minigrad.Size({list(self)})"

    def __str__(self) -> str:
        # in messages and f-strings a shape reads as the tuple it is: "(2, 3)"
        return tuple.__repr__(self)

    @overload
    def __getitem__(self, index: SupportsIndex) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Size: ...

    def __getitem__(self, index: SupportsIndex | slice) -> int | Size:
        if isinstance(index, slice):
            return Size(super().__getitem__(index))
        return super().__getitem__(index)

    def __add__(self, other: tuple[Any, ...]) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: tuple[Any, ...]) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, count: SupportsIndex) -> Size:
        return Size(tuple(self) * operator.index(count))

    __rmul__ = __mul__

    def __reduce__(self) -> tuple[Any, ...]:
        return (Size, (tuple(self),))
