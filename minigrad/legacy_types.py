"""PyTorch's typed tensor classes (``torch.FloatTensor``, ``torch.LongTensor``...), from
before tensors had a ``dtype``: still common in older programs.

``FloatTensor([1, 2])`` copies data into float32, ``FloatTensor(2, 3)`` makes a 2 x 3
tensor (zeros: PyTorch leaves it uninitialised), and ``isinstance(t, FloatTensor)`` is true
for float32 tensors on the CPU. ``t.type(LongTensor)`` converts, as ``t.long()``. The
objects made are plain :class:`~minigrad.Tensor` objects.
"""

from __future__ import annotations

from typing import Any

from minigrad.dtypes import check_supported
from minigrad.tensor import Tensor, legacy_new

__all__ = ["BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
           "HalfTensor", "IntTensor", "LongTensor", "ShortTensor", "TypedTensor"]


class TypedTensor(type):
    """The class of each typed-tensor name: calling it makes a tensor of its dtype."""

    dtype: Any

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        return legacy_new(cls.__name__, args, cls.dtype, device)

    def __instancecheck__(cls, instance: Any) -> bool:
        return (isinstance(instance, Tensor) and instance.dtype == cls.dtype
                and instance.device.type == "cpu")


def _typed(name: str, dtype: str) -> TypedTensor:
    doc = (f"``{name}(*sizes)`` or ``{name}(data)``: a {dtype} tensor, as PyTorch's legacy "
           f"constructor; ``isinstance(t, {name})`` tests for a {dtype} CPU tensor.")
    return TypedTensor(name, (), {"dtype": check_supported(dtype), "__doc__": doc,
                                   "__module__": __name__})


FloatTensor = _typed("FloatTensor", "float32")
DoubleTensor = _typed("DoubleTensor", "float64")
HalfTensor = _typed("HalfTensor", "float16")
LongTensor = _typed("LongTensor", "int64")
IntTensor = _typed("IntTensor", "int32")
ShortTensor = _typed("ShortTensor", "int16")
CharTensor = _typed("CharTensor", "int8")
ByteTensor = _typed("ByteTensor", "uint8")
BoolTensor = _typed("BoolTensor", "bool")
