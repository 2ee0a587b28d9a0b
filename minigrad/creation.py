"""Functions that create tensors: constants, ranges and random samples."""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from minigrad import backends
from minigrad.dtypes import check_supported, get_default_dtype
from minigrad.random import manual_seed, stream_of
from minigrad.tensor import Tensor, shape_args, tensor

__all__ = [
    "arange",
    "as_tensor",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "logspace",
    "manual_seed",
    "normal",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "zeros",
    "zeros_like",
]


def _finish(array: Any, backend: Any, requires_grad: bool) -> Tensor:
    t = Tensor.from_array(array, backend)
    return t.requires_grad_() if requires_grad else t


def _setup(dtype: Any, device: Any, default: Any = None) -> tuple[Any, Any]:
    chosen = check_supported(dtype) if dtype is not None else (default or get_default_dtype())
    backend = backends.current() if device is None else backends.resolve(device)
    return chosen, backend


def _shape(name: str, size: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape ``size`` gives (``f(2, 3)`` or ``f((2, 3))``), checked."""
    shape = shape_args(size)
    for n in shape:
        if n < 0:
            raise RuntimeError(f"{name}: Trying to create tensor with negative dimension {n}: "
                               f"{list(shape)}")
    return shape


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of zeros of the given size (``zeros(2, 3)`` or ``zeros((2, 3))``)."""
    dt, b = _setup(dtype, device)
    return _finish(b.xp.zeros(_shape("zeros", size), dtype=dt), b, requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ones of the given size."""
    dt, b = _setup(dtype, device)
    return _finish(b.xp.ones(_shape("ones", size), dtype=dt), b, requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of the given size whose values are not initialised."""
    dt, b = _setup(dtype, device)
    return _finish(b.xp.empty(_shape("empty", size), dtype=dt), b, requires_grad)


def full(
    size: Any, fill_value: float | int | bool, dtype: Any = None, requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it by default)."""
    default = (numpy.dtype(bool) if isinstance(fill_value, bool)
               else numpy.dtype("int64") if isinstance(fill_value, int) else None)
    dt, b = _setup(dtype, device, default)
    return _finish(b.xp.full(_shape("full", (size,)), fill_value, dtype=dt), b, requires_grad)


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: Any = None,
    requires_grad: bool = False, device: Any = None,
) -> Tensor:
    """Values from ``start`` to ``end`` (excluded) by ``step``; ``arange(n)`` is 0..n-1.

    The dtype is int64 when all arguments are ints, else the default float dtype.
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    ints = all(isinstance(v, (int, numpy.integer)) for v in (start, end, step))
    dt, b = _setup(dtype, device, numpy.dtype("int64") if ints else None)
    return _finish(b.xp.arange(start, end, step, dtype=dt), b, requires_grad)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` (both included)."""
    dt, b = _setup(dtype, device)
    return _finish(b.xp.linspace(start, end, steps, dtype=dt), b, requires_grad)


def eye(
    n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """An ``n x m`` identity matrix (square when ``m`` is None)."""
    dt, b = _setup(dtype, device)
    return _finish(b.xp.eye(n, m, dtype=dt), b, requires_grad)


def _sizes(positional: tuple[Any, ...], keyword: Any, name: str) -> tuple[int, ...]:
    """The size given positionally (``rand(2, 3)``) or as ``size=`` (``rand(size=(2, 3))``)."""
    if keyword is not None:
        if positional:
            raise TypeError(f"{name}() got the size both positionally and as size=")
        return shape_args((keyword,))
    return shape_args(positional)


def rand(*size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
         device: Any = None, **kwargs: Any) -> Tensor:
    """Samples uniform on ``[0, 1)``, from ``generator`` (a :class:`minigrad.Generator`)
    or else the stream seeded by :func:`manual_seed` (the size positionally, or as
    ``size=``)."""
    dt, b = _setup(dtype, device)
    shape = _sizes(size, kwargs.pop("size", None), "rand")
    _no_more(kwargs, "rand")
    return _finish(b.rand(shape, dt, stream_of(generator, b, "rand")), b, requires_grad)


def randn(*size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
          device: Any = None, **kwargs: Any) -> Tensor:
    """Standard normal samples, from ``generator`` (a :class:`minigrad.Generator`) or else
    the stream seeded by :func:`manual_seed` (the size positionally, or as ``size=``)."""
    dt, b = _setup(dtype, device)
    shape = _sizes(size, kwargs.pop("size", None), "randn")
    _no_more(kwargs, "randn")
    return _finish(b.randn(shape, dt, stream_of(generator, b, "randn")), b, requires_grad)


def _no_more(kwargs: dict[str, Any], name: str) -> None:
    if kwargs:
        raise TypeError(f"{name}() got unexpected keyword arguments {sorted(kwargs)}")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples with ``mean`` and ``std`` (numbers or tensors, broadcast), as
    ``torch.normal``; with numbers, ``size`` gives the shape. The sample is not
    differentiable in ``mean`` and ``std``. The noise comes from ``generator`` when given.
    """
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal() with a number mean and std needs size=")
        noise = randn(size=size, generator=generator, dtype=dtype, device=device)
        sample: Tensor = noise * std + mean
        return sample.requires_grad_() if requires_grad else sample
    like = tensors[0]
    shape = tuple(numpy.broadcast_shapes(*[t.shape for t in tensors]))
    noise = randn(*shape, generator=generator, dtype=like.dtype, device=like.backend)
    return (noise * (std.detach() if isinstance(std, Tensor) else std)
            + (mean.detach() if isinstance(mean, Tensor) else mean))


def randint(
    low: int, high: Any = None, size: Any = (), dtype: Any = None, device: Any = None, *,
    generator: Any = None, requires_grad: bool = False
) -> Tensor:
    """Integers uniform on ``[low, high)`` (``randint(high, size)`` starts at 0), from
    ``generator`` (a :class:`minigrad.Generator`) or else the stream seeded by
    :func:`manual_seed`."""
    if high is None or isinstance(high, (tuple, list)):  # randint(high) / randint(high, size)
        size = size if high is None else high
        low, high = 0, low
    dt, b = _setup(dtype, device, numpy.dtype("int64"))
    drawn = b.randint(low, high, shape_args((size,)), dt, stream_of(generator, b, "randint"))
    return _finish(drawn, b, requires_grad)


def _like(t: Tensor, dtype: Any) -> dict[str, Any]:
    return {"dtype": t.dtype if dtype is None else dtype, "device": t.backend}


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape, dtype and backend of ``t``."""
    return zeros(t.shape, requires_grad=requires_grad, **_like(t, dtype))


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape, dtype and backend of ``t``."""
    return ones(t.shape, requires_grad=requires_grad, **_like(t, dtype))


def empty_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor with the shape, dtype and backend of ``t``."""
    return empty(t.shape, requires_grad=requires_grad, **_like(t, dtype))


def full_like(
    t: Tensor, fill_value: float | int | bool, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` everywhere, with the shape, dtype and backend of ``t``."""
    return full(t.shape, fill_value, requires_grad=requires_grad, **_like(t, dtype))


def rand_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, *,
              generator: Any = None) -> Tensor:
    """Uniform samples with the shape, dtype and backend of ``t`` (from ``generator``
    when given)."""
    return rand(t.shape, generator=generator, requires_grad=requires_grad, **_like(t, dtype))


def randn_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, *,
               generator: Any = None) -> Tensor:
    """Normal samples with the shape, dtype and backend of ``t`` (from ``generator`` when
    given)."""
    return randn(t.shape, generator=generator, requires_grad=requires_grad, **_like(t, dtype))


def from_numpy(ndarray: numpy.ndarray[Any, Any]) -> Tensor:
    """A CPU tensor that shares memory with a NumPy array, as ``torch.from_numpy``.

    Writes through either one are seen by the other; the dtype is kept (a float64 array
    gives a float64 tensor). The tensor lives on the NumPy backend, whatever the current
    backend is, and does not require grad.

    Raises
    ------
    TypeError
        If ``ndarray`` is not a NumPy array, or its dtype is one minigrad lacks.
    ValueError
        If its byte order is not the machine's (PyTorch refuses these too).

    Examples
    --------
    >>> import numpy
    >>> import minigrad
    >>> a = numpy.arange(3.0)
    >>> t = minigrad.from_numpy(a)
    >>> a[0] = 7.0
    >>> t
    tensor([7., 1., 2.], dtype=minigrad.float64)
    """
    if not isinstance(ndarray, numpy.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(ndarray).__name__}")
    if not ndarray.dtype.isnative:
        raise ValueError(f"from_numpy: the array's byte order ({ndarray.dtype.str}) is not "
                         "the machine's; convert it with ndarray.astype(ndarray.dtype."
                         "newbyteorder('='))")
    try:
        check_supported(ndarray.dtype)
    except TypeError as exc:
        raise TypeError(f"from_numpy: can't convert an array of dtype {ndarray.dtype}: "
                        f"{exc}") from None
    if not ndarray.flags.writeable:
        warnings.warn("from_numpy: the array is read-only; the tensor shares its memory, so "
                      "in-place ops on the tensor will fail", UserWarning, stacklevel=2)
    return Tensor.from_array(ndarray.view(numpy.ndarray), backends.resolve("cpu"))


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory when it can, as ``torch.as_tensor``.

    - a tensor with the requested dtype and device is returned itself; otherwise it is
      converted with ``.to`` (a differentiable copy, so the graph is kept);
    - an array of the target backend (a NumPy array for the CPU) with the requested
      dtype is wrapped without a copy, like :func:`from_numpy`;
    - anything else (lists, numbers, other arrays) is copied, like :func:`tensor`.

    Parameters
    ----------
    data : array_like or Tensor
        The values.
    dtype : dtype, optional
        Default: the data's own (Python floats: the default float dtype).
    device : str or Backend, optional
        Default: the tensor's own backend, else the current backend.

    Examples
    --------
    >>> import numpy
    >>> import minigrad
    >>> a = numpy.ones(2, dtype=numpy.float32)
    >>> minigrad.as_tensor(a).add_(1)
    tensor([2., 2.])
    >>> a
    array([2., 2.], dtype=float32)
    """
    wanted = None if dtype is None else check_supported(dtype)
    if isinstance(data, Tensor):
        result = data if device is None else data.to(backends.resolve(device))
        return result if wanted is None or wanted == result.dtype else result.to(wanted)
    backend = backends.current() if device is None else backends.resolve(device)
    own: Any = data if isinstance(data, backend.array_type) else None
    if own is not None and (wanted is None or wanted == own.dtype) and own.dtype.isnative:
        try:
            check_supported(own.dtype)
        except TypeError:
            pass  # tensor() below gives the error
        else:
            return Tensor.from_array(own, backend)
    return tensor(data, dtype=wanted, device=backend)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default), from ``generator`` (a
    :class:`minigrad.Generator`) or else the stream seeded by :func:`manual_seed`, as
    ``torch.randperm``.

    Raises
    ------
    RuntimeError
        If ``n`` is negative.
    """
    if n < 0:
        raise RuntimeError(f"randperm: Trying to create tensor with negative dimension {n}: "
                           f"[{n}]")
    dt, b = _setup(dtype, device, numpy.dtype("int64"))
    keys = b.rand((int(n),), numpy.float64, stream_of(generator, b, "randperm"))
    order = b.xp.argsort(keys, kind="stable").astype(dt)
    return _finish(order, b, requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in the
    exponent, as ``torch.logspace`` (the default float dtype unless ``dtype`` says
    otherwise)."""
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    dt, b = _setup(dtype, device)
    exponents = b.xp.linspace(start, end, steps, dtype=numpy.float64)
    values = float(base) ** exponents
    if dt.kind in "iu":
        values = b.xp.round(values)
    return _finish(values.astype(dt), b, requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None,
                 device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform on ``[low, high)`` with the shape of ``input``, and its dtype and
    backend unless ``dtype`` or ``device`` say otherwise (``torch.randint_like``).

    ``randint_like(x, high)`` starts at 0, as ``randint_like(x, low, high)`` starts at
    ``low``.

    Raises
    ------
    RuntimeError
        If ``high <= low``.

    Examples
    --------
    >>> import minigrad
    >>> draws = minigrad.randint_like(minigrad.zeros(2, 3), 1, 7)
    >>> draws.shape, draws.dtype == minigrad.float32
    (minigrad.Size([2, 3]), True)
    >>> bool(((draws >= 1) & (draws < 7)).all())
    True
    """
    if high is None:
        low, high = 0, low
    low, high = int(low), int(high)
    if high <= low:
        raise RuntimeError(f"randint_like expects 'low' to be less than 'high', but got "
                           f"low={low} >= high={high}")
    dt, b = _setup(input.dtype if dtype is None else dtype,
                   input.backend if device is None else device)
    return _finish(b.randint(low, high, input.shape, dt), b, requires_grad)
