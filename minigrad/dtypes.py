"""Data types: minigrad uses NumPy's dtype objects, under PyTorch's names."""

from __future__ import annotations

from typing import Any

import numpy

__all__ = [
    "bool_",
    "dtype",
    "float16",
    "float32",
    "finfo",
    "float64",
    "get_default_dtype",
    "iinfo",
    "int8",
    "int16",
    "int32",
    "int64",
    "set_default_dtype",
    "uint8",
]

dtype = numpy.dtype  # minigrad's dtypes are NumPy's: isinstance(minigrad.float32, minigrad.dtype)
float16 = numpy.dtype("float16")
float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
int8 = numpy.dtype("int8")
int16 = numpy.dtype("int16")
int32 = numpy.dtype("int32")
int64 = numpy.dtype("int64")
uint8 = numpy.dtype("uint8")
bool_ = numpy.dtype("bool")

_SUPPORTED = {float16, float32, float64, int8, int16, int32, int64, uint8, bool_}
_default_float = float32


def get_default_dtype() -> numpy.dtype[Any]:
    """The floating dtype of new tensors made from Python floats (float32 at start)."""
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Set the floating dtype used for Python floats and ``rand``/``zeros`` and friends."""
    global _default_float
    dtype = numpy.dtype(dtype)
    if not is_floating(dtype):
        raise TypeError(f"default dtype must be a floating dtype, got {dtype}")
    _default_float = dtype


def is_floating(dtype: Any) -> bool:
    """Whether ``dtype`` is a floating-point dtype (the only ones that carry gradients)."""
    return bool(numpy.dtype(dtype).kind == "f")


def check_supported(dtype: Any) -> numpy.dtype[Any]:
    """Return ``dtype`` as a NumPy dtype, or raise a clear error if minigrad lacks it."""
    try:
        result: numpy.dtype[Any] = numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype") from None
    if result not in _SUPPORTED:
        names = ", ".join(sorted(str(d) for d in _SUPPORTED))
        raise TypeError(f"dtype {result} is not supported; use one of: {names}")
    return result


def promote_types(a: numpy.dtype[Any], b: numpy.dtype[Any]) -> numpy.dtype[Any]:
    """Result dtype of an op on two tensors, following PyTorch.

    A floating tensor wins over an integer or bool one (``int64 * float32 -> float32``,
    where NumPy would give float64); otherwise the wider dtype wins.
    """
    a_float, b_float = a.kind == "f", b.kind == "f"
    if a_float != b_float:
        return a if a_float else b
    result: numpy.dtype[Any] = numpy.promote_types(a, b)
    return result


def category(dtype: numpy.dtype[Any]) -> int:
    """PyTorch's promotion categories: 0 bool, 1 integer, 2 floating."""
    return 2 if dtype.kind == "f" else 0 if dtype.kind == "b" else 1


def promote_tensor_types(
    a: numpy.dtype[Any], a_ndim: int, b: numpy.dtype[Any], b_ndim: int
) -> numpy.dtype[Any]:
    """Result dtype of an op on two tensors, following PyTorch's three tiers.

    A 0-d tensor counts like a Python number: it changes the result only when its
    category (bool < integer < floating) is higher than the other operand's, so
    ``float32[3] + float64 0-d`` stays float32 but ``int64[3] + float64 0-d`` is float64.
    """
    if (a_ndim == 0) == (b_ndim == 0):
        return promote_types(a, b)
    dimensioned, zero_d = (a, b) if b_ndim == 0 else (b, a)
    return zero_d if category(zero_d) > category(dimensioned) else dimensioned


def scalar_dtype(tensor_dtype: numpy.dtype[Any], scalar: Any) -> numpy.dtype[Any]:
    """Result dtype of an op between a tensor and a Python (or NumPy) scalar, as PyTorch."""
    if scalar.__class__ is float:  # the common case first
        return tensor_dtype if tensor_dtype.kind == "f" else _default_float
    if isinstance(scalar, numpy.generic):
        scalar = scalar.item()
    if isinstance(scalar, bool):
        return tensor_dtype
    if isinstance(scalar, int):
        return int64 if tensor_dtype == bool_ else tensor_dtype
    if isinstance(scalar, float):
        return tensor_dtype if tensor_dtype.kind == "f" else _default_float
    raise TypeError(f"expected a Tensor or a Python number, got {type(scalar).__name__}")


class _TypeInfo:
    """What finfo and iinfo share: equal when they describe the same dtype."""

    dtype: str

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "dtype", None) == self.dtype

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.dtype))


def no_bfloat16(owner: str) -> TypeError:
    """The error of ``Tensor.bfloat16`` and ``Module.bfloat16``: minigrad has no bfloat16."""
    return TypeError(f"{owner}.bfloat16: minigrad has no bfloat16 dtype; use .half() for "
                     "float16 or keep float32")


class finfo(_TypeInfo):
    """Machine limits of a floating dtype, with PyTorch's attribute names.

    Parameters
    ----------
    type : dtype, optional
        float16, float32 or float64; default: :func:`get_default_dtype`.

    Attributes
    ----------
    bits : int
        Bits per element.
    eps : float
        The gap between 1.0 and the next larger number.
    max, min : float
        The largest and the most negative finite numbers.
    tiny, smallest_normal : float
        The smallest positive normal number (two names for it, as PyTorch).
    resolution : float
        The approximate decimal resolution, ``10**-precision``.
    dtype : str
        The dtype's name (``"float32"``).

    Raises
    ------
    TypeError
        For a dtype that is not floating (use :class:`iinfo`).

    Examples
    --------
    >>> import minigrad
    >>> minigrad.finfo(minigrad.float16).max
    65504.0
    """

    def __init__(self, type: Any = None) -> None:
        dtype = get_default_dtype() if type is None else check_supported(type)
        if not is_floating(dtype):
            raise TypeError("finfo() requires a floating point input type. Use iinfo to "
                            f"handle {dtype}")
        info = numpy.finfo(dtype)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # exactly 1e-06, as PyTorch
        self.dtype = str(dtype)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo(_TypeInfo):
    """Limits of an integer dtype, with PyTorch's attribute names.

    Parameters
    ----------
    type : dtype
        uint8, int8, int16, int32 or int64.

    Attributes
    ----------
    bits : int
        Bits per element.
    max, min : int
        The largest and the smallest value.
    dtype : str
        The dtype's name (``"int64"``).

    Raises
    ------
    TypeError
        For a floating dtype (use :class:`finfo`) or bool.

    Examples
    --------
    >>> import minigrad
    >>> minigrad.iinfo(minigrad.uint8).max
    255
    """

    def __init__(self, type: Any) -> None:
        dtype = check_supported(type)
        if dtype == bool_:
            raise TypeError("bool is not supported by iinfo")
        if dtype.kind not in "iu":
            raise TypeError("iinfo() requires an integer input type. Use finfo to handle "
                            f"{dtype}")
        info = numpy.iinfo(dtype)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = str(dtype)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
