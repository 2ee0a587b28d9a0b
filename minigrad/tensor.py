"""The Tensor: an n-dimensional array on a backend that records how it was computed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy
import numpy as np

from minigrad import backends
from minigrad.dtypes import check_supported, get_default_dtype, is_floating

if TYPE_CHECKING:
    from minigrad.autograd import Function
    from minigrad.backends import Backend

Array = Any
Scalar = Union[int, float, bool]
Shape = tuple[int, ...]


def _shape_args(shape: tuple[Any, ...]) -> Shape:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(n) for n in shape[0])
    return tuple(int(n) for n in shape)


class Tensor:
    """A multi-dimensional array that can record the ops applied to it.

    Create tensors with :func:`minigrad.tensor`, :func:`minigrad.zeros` and friends rather
    than with this class. A tensor with ``requires_grad=True`` records every op that uses
    it; calling :meth:`backward` on a result then fills ``.grad`` of the leaves.

    Attributes
    ----------
    grad : Tensor or None
        The gradient accumulated by :meth:`backward` (leaves and retained tensors only).
    """

    __slots__ = (
        "__weakref__",
        "_backend",
        "_data",
        "_grad_fn",
        "_hooks",
        "_requires_grad",
        "_vc",
        "grad",
    )
    __array_priority__ = 1000  # numpy scalars defer to Tensor's reflected operators

    _data: Array
    _backend: Backend
    _requires_grad: bool
    _grad_fn: Function | None
    _vc: list[int]  # version counter, one cell shared by a tensor, its views and detach()
    _hooks: list[Callable[[Tensor], Tensor | None]] | None
    grad: Tensor | None

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        made = tensor(data, requires_grad=requires_grad)
        for name in ("_data", "_backend", "_requires_grad", "_grad_fn", "_vc", "_hooks"):
            setattr(self, name, getattr(made, name))
        self.grad = None

    @staticmethod
    def _make(
        data: Array, backend: Backend, requires_grad: bool = False, grad_fn: Function | None = None
    ) -> Tensor:
        t = object.__new__(Tensor)
        t._data = data
        t._backend = backend
        t._requires_grad = requires_grad
        t._grad_fn = grad_fn
        t._vc = [0]
        t._hooks = None
        t.grad = None
        return t

    @classmethod
    def from_array(
        cls, array: Array, backend: Backend | None = None, requires_grad: bool = False
    ) -> Tensor:
        """Wrap a backend array as a tensor, sharing its memory (no copy).

        This is the public array door for code above the ops (optimizers, layers,
        kernels of plugins): ``array`` must belong to ``backend`` (default: the current
        backend).
        """
        target = backends.current() if backend is None else backend
        return Tensor._make(array, target, requires_grad)

    @property
    def array(self) -> Array:
        """The backend array holding the values (shared memory, outside the graph).

        Read it freely; change values only through in-place tensor ops, so that version
        counters see the change.
        """
        return self._data

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has seen (shared with views)."""
        return self._vc[0]

    @_version.setter
    def _version(self, value: int) -> None:
        self._vc[0] = value

    def _constant(self, value: Any, dtype: Any) -> Tensor:
        """A tensor on this tensor's backend holding ``value``, not requiring grad."""
        return Tensor._make(self._backend.xp.asarray(value, dtype=dtype), self._backend)

    # --- attributes -------------------------------------------------------------------
    @property
    def shape(self) -> Shape:
        """The size of each dimension, as a tuple."""
        return tuple(self._data.shape)

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return int(self._data.ndim)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The element type (``minigrad.float32``, ``minigrad.int64``, ...)."""
        return self._data.dtype  # type: ignore[no-any-return]

    @property
    def backend(self) -> Backend:
        """The backend that holds this tensor's array."""
        return self._backend

    @property
    def device(self) -> str:
        """PyTorch-style device string: ``"cpu"`` or ``"cuda:0"``."""
        return self._backend.device

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded for :meth:`backward`."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def grad_fn(self) -> Function | None:
        """The graph node that produced this tensor (``None`` for leaves)."""
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (their ``.grad`` is filled)."""
        return self._grad_fn is None

    @property
    def data(self) -> Tensor:
        """This tensor's values as a new tensor outside the graph (shares memory)."""
        return Tensor._make(self._data, self._backend)

    @data.setter
    def data(self, value: Tensor) -> None:
        if value._backend is not self._backend:
            raise RuntimeError(
                f"cannot assign data on backend {value._backend.name!r} to a tensor on "
                f"{self._backend.name!r}"
            )
        self._data = value._data

    @property
    def T(self) -> Tensor:
        """The tensor with its dimensions reversed."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The tensor with its last two dimensions swapped (batched matrix transpose)."""
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of one dimension when ``dim`` is given."""
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def dim(self) -> int:
        """The number of dimensions (same as :attr:`ndim`)."""
        return self.ndim

    def element_size(self) -> int:
        """Bytes per element."""
        return int(self._data.dtype.itemsize)

    # --- conversion ---------------------------------------------------------------------
    def numpy(self) -> np.ndarray[Any, Any]:
        """The values as a host NumPy array (shares memory on the NumPy backend).

        Raises
        ------
        RuntimeError
            If the tensor requires grad (call ``detach().numpy()``, as in PyTorch).
        """
        if self._requires_grad:
            raise RuntimeError(
                "can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
            )
        return self._backend.to_numpy(self._data)

    def _host(self) -> np.ndarray[Any, Any]:
        return self._backend.to_numpy(self._data)

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise ValueError(
                f"item() needs a tensor with one element, this one has shape {self.shape}"
            )
        return self._host().reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self._host().tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.numel()} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self._data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        host = self._host()
        extras = []
        if host.size == 0:
            values = "[]"
            if host.ndim > 1:
                extras.append(f"size={tuple(host.shape)}")
        else:
            finite = host[numpy.isfinite(host)] if host.dtype.kind == "f" else host
            whole = host.dtype.kind != "f" or bool((finite == numpy.round(finite)).all())
            if whole and host.dtype.kind == "f":  # whole numbers too print 4 decimals in
                sizes = abs(finite[finite != 0])  # scientific notation, as in PyTorch
                whole = not sizes.size or (sizes.max() <= 1e3 * sizes.min()
                                           and sizes.max() < 1e8)
            values = numpy.array2string(  # PyTorch's look: 4 decimals unless all whole
                host, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3,
                precision=None if whole else 4, floatmode="maxprec" if whole else "fixed",
            )
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.dtype not in (get_default_dtype(), numpy.dtype("int64"), numpy.dtype(bool)):
            extras.append(f"dtype=minigrad.{self.dtype}")
        if self._grad_fn is not None:
            extras.append(f"grad_fn={self._grad_fn!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([values, *extras]) + ")"

    # --- autograd -----------------------------------------------------------------------
    def backward(
        self, gradient: Tensor | None = None, retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of every leaf it depends on.

        Parameters
        ----------
        gradient : Tensor, optional
            The gradient with respect to this tensor; required unless it has one element.
        retain_graph : bool, optional
            Keep the graph's saved tensors for another backward (default: ``create_graph``).
        create_graph : bool
            Record the backward pass so that the gradients can be differentiated again.
        """
        autograd.backward(self, gradient, retain_graph, create_graph)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether this leaf records ops; returns ``self``."""
        if requires_grad and not is_floating(self.dtype):
            raise RuntimeError(
                f"only floating-point tensors can require gradients, this one is {self.dtype}; "
                "convert it first with .float()"
            )
        if not requires_grad and self._grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be turned off on leaf tensors; use detach() instead"
            )
        self._requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """A tensor with the same values (shared memory) that is not part of the graph.

        It shares the version counter too, so changing it in place is caught by any graph
        that saved the original.
        """
        t = Tensor._make(self._data, self._backend)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor out of the graph in place; returns ``self``."""
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor too after :meth:`backward`."""
        if self._grad_fn is not None:
            self._grad_fn._retained = self
        elif not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that does not require grad")

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a replacement gradient. Returns a function that removes it.
        """
        if not self._requires_grad:
            raise RuntimeError("can't register a hook on a tensor that does not require grad")
        if self._grad_fn is not None:
            self._grad_fn.register_hook(hook)
            hooks = self._grad_fn._hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
            hooks.append(hook)
        assert hooks is not None
        return lambda: hooks.remove(hook)

    # --- dtype and backend moves --------------------------------------------------------
    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Tensor:
        """Convert to a dtype, move to a backend (name, instance or device string), or both:
        ``t.to(minigrad.float64)``, ``t.to("cuda")``, ``t.to("cpu", minigrad.float64)``,
        ``t.to(device="cpu", dtype=minigrad.float32)``, ``t.to(other_tensor)``.

        Examples
        --------
        >>> import minigrad
        >>> minigrad.ones(2).to(minigrad.float64).dtype
        dtype('float64')
        """
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg._backend, arg.dtype
            elif isinstance(arg, (str, backends.Backend)) and not _is_dtype_name(arg):
                device = arg
            else:
                dtype = arg
        result = self if device is None else _move(self, device)
        if dtype is not None:
            result = elementwise.cast(result, check_supported(dtype))
        return result

    def cpu(self) -> Tensor:
        """This tensor on the NumPy backend."""
        return self.to("cpu")

    def cuda(self) -> Tensor:
        """This tensor on the CuPy (GPU) backend."""
        return self.to("cuda")

    def type_as(self, other: Tensor) -> Tensor:
        """Convert to ``other``'s dtype."""
        return self.to(other.dtype)

    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow back to ``self``."""
        return self + 0 if self._requires_grad else self._wrap(self._data.copy())

    def _wrap(self, array: Array) -> Tensor:
        return Tensor._make(array, self._backend)

    # --- arithmetic ----------------------------------------------------------------------
    def __add__(self, other: Tensor | Scalar) -> Tensor:
        a, b = elementwise.as_operands(self, other)
        return elementwise.Add.apply(a, b)

    def __radd__(self, other: Scalar) -> Tensor:
        a, b = elementwise.as_operands(other, self)
        return elementwise.Add.apply(a, b)

    def __sub__(self, other: Tensor | Scalar) -> Tensor:
        a, b = elementwise.as_operands(self, other)
        return elementwise.Sub.apply(a, b)

    def __rsub__(self, other: Scalar) -> Tensor:
        a, b = elementwise.as_operands(other, self)
        return elementwise.Sub.apply(a, b)

    def __mul__(self, other: Tensor | Scalar) -> Tensor:
        a, b = elementwise.as_operands(self, other)
        return elementwise.Mul.apply(a, b)

    def __rmul__(self, other: Scalar) -> Tensor:
        a, b = elementwise.as_operands(other, self)
        return elementwise.Mul.apply(a, b)

    def __truediv__(self, other: Tensor | Scalar) -> Tensor:
        a, b = elementwise.as_operands(self, other)
        if a._data.dtype.kind != "f":
            a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
        return elementwise.Div.apply(a, b)

    def __rtruediv__(self, other: Scalar) -> Tensor:
        a, b = elementwise.as_operands(other, self)
        if a._data.dtype.kind != "f":
            a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
        return elementwise.Div.apply(a, b)

    def __pow__(self, other: Tensor | Scalar) -> Tensor:
        a, b = elementwise.as_operands(self, other)
        return elementwise.Pow.apply(a, b)

    def __rpow__(self, other: Scalar) -> Tensor:
        a, b = elementwise.as_operands(other, self)
        return elementwise.Pow.apply(a, b)

    def __matmul__(self, other: Tensor) -> Tensor:
        return linalg.matmul(self, other)

    def __rmatmul__(self, other: Tensor) -> Tensor:
        return linalg.matmul(other, self)

    def __neg__(self) -> Tensor:
        return elementwise.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return elementwise.Abs.apply(self)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    matmul = __matmul__
    neg = __neg__
    abs = __abs__

    # --- comparisons, logic and integer division (no gradient) ---------------------------
    def _no_grad_op(self, other: Any, op: str, reflected: bool = False) -> Tensor:
        if isinstance(other, Tensor):
            if other._backend is not self._backend:
                raise RuntimeError(
                    f"{op}: tensors are on different backends ({self._backend.name!r} and "
                    f"{other._backend.name!r})"
                )
            b = other._data
        else:
            b = other
        x, y = (b, self._data) if reflected else (self._data, b)
        try:
            return self._wrap(self._backend.xp.asarray(getattr(self._backend.xp, op)(x, y)))
        except ValueError as exc:
            other_shape = other.shape if isinstance(other, Tensor) else "a scalar"
            raise ValueError(f"{op}: shapes {self.shape} and {other_shape}: {exc}") from exc

    def __eq__(self, other: object) -> Any:
        return False if other is None else self._no_grad_op(other, "equal")

    def __ne__(self, other: object) -> Any:
        return True if other is None else self._no_grad_op(other, "not_equal")

    def __lt__(self, other: Tensor | Scalar) -> Tensor:
        return self._no_grad_op(other, "less")

    def __le__(self, other: Tensor | Scalar) -> Tensor:
        return self._no_grad_op(other, "less_equal")

    def __gt__(self, other: Tensor | Scalar) -> Tensor:
        return self._no_grad_op(other, "greater")

    def __ge__(self, other: Tensor | Scalar) -> Tensor:
        return self._no_grad_op(other, "greater_equal")

    eq = __eq__
    ne = __ne__
    lt = __lt__
    le = __le__
    gt = __gt__
    ge = __ge__

    def __invert__(self) -> Tensor:
        if self.dtype.kind == "f":
            raise TypeError(f"~ is only defined for bool and integer tensors, not {self.dtype}")
        return self._wrap(~self._data)

    def __and__(self, other: Tensor | Scalar) -> Tensor:
        return self._no_grad_op(other, "bitwise_and")

    def __rand__(self, other: Scalar) -> Tensor:
        return self._no_grad_op(other, "bitwise_and", reflected=True)

    def __or__(self, other: Tensor | Scalar) -> Tensor:
        return self._no_grad_op(other, "bitwise_or")

    def __ror__(self, other: Scalar) -> Tensor:
        return self._no_grad_op(other, "bitwise_or", reflected=True)

    def __xor__(self, other: Tensor | Scalar) -> Tensor:
        return self._no_grad_op(other, "bitwise_xor")

    def __rxor__(self, other: Scalar) -> Tensor:
        return self._no_grad_op(other, "bitwise_xor", reflected=True)

    def __floordiv__(self, other: Tensor | Scalar) -> Tensor:
        a, b = elementwise.as_operands(self, other)
        if isinstance(other, Tensor):
            other = b
        return a._no_grad_op(other if isinstance(other, Tensor) else b, "floor_divide")

    def __rfloordiv__(self, other: Scalar) -> Tensor:
        a, b = elementwise.as_operands(other, self)
        return b._no_grad_op(a, "floor_divide", reflected=True)

    def __mod__(self, other: Tensor | Scalar) -> Tensor:
        """Remainder with the sign of the divisor (Python's and PyTorch's ``%``)."""
        a, b = elementwise.as_operands(self, other)
        return a - b * a.detach()._no_grad_op(b.detach(), "floor_divide")

    def __rmod__(self, other: Scalar) -> Tensor:
        a, b = elementwise.as_operands(other, self)
        return a - b * a._no_grad_op(b.detach(), "floor_divide")

    floor_divide = __floordiv__
    remainder = __mod__

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Whether any element (along ``dim``, or at all) is true or non-zero."""
        return self._logical_reduce("any", dim, keepdim)

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Whether every element (along ``dim``, or at all) is true or non-zero."""
        return self._logical_reduce("all", dim, keepdim)

    def _logical_reduce(self, name: str, dim: int | None, keepdim: bool) -> Tensor:
        axes = None if dim is None else reduce.normalize_dims(dim, self.ndim)
        xp = self._backend.xp
        return self._wrap(xp.asarray(getattr(xp, name)(self._data, axis=axes, keepdims=keepdim)))

    def isnan(self) -> Tensor:
        """Elementwise test for NaN."""
        return self._wrap(self._backend.xp.isnan(self._data))

    def isfinite(self) -> Tensor:
        """Elementwise test for finite values."""
        return self._wrap(self._backend.xp.isfinite(self._data))

    def sign(self) -> Tensor:
        """-1, 0 or 1 for each element (no gradient)."""
        return self._wrap(self._backend.xp.sign(self._data))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Indices of the maxima (over all elements when ``dim`` is None)."""
        return reduce.arg_reduce(self, "argmax", dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Indices of the minima (over all elements when ``dim`` is None)."""
        return reduce.arg_reduce(self, "argmin", dim, keepdim)

    # --- math ----------------------------------------------------------------------------
    def exp(self) -> Tensor:
        """Elementwise exponential."""
        return elementwise.Exp.apply(self._as_float())

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return elementwise.Log.apply(self._as_float())

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return elementwise.Sqrt.apply(self._as_float())

    def sin(self) -> Tensor:
        """Elementwise sine."""
        return elementwise.Sin.apply(self._as_float())

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return elementwise.Cos.apply(self._as_float())

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return elementwise.Tanh.apply(self._as_float())

    def sigmoid(self) -> Tensor:
        """Elementwise logistic function ``1 / (1 + exp(-x))``, computed stably."""
        return elementwise.Sigmoid.apply(self._as_float())

    def relu(self) -> Tensor:
        """Elementwise ``max(x, 0)``."""
        return elementwise.Relu.apply(self)

    def square(self) -> Tensor:
        """Elementwise square."""
        return self * self

    def maximum(self, other: Tensor | Scalar) -> Tensor:
        """Elementwise maximum (ties split the gradient evenly)."""
        a, b = elementwise.as_operands(self, other)
        return elementwise.Maximum.apply(a, b)

    def minimum(self, other: Tensor | Scalar) -> Tensor:
        """Elementwise minimum (ties split the gradient evenly)."""
        a, b = elementwise.as_operands(self, other)
        return elementwise.Minimum.apply(a, b)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit every element to ``[min, max]``."""
        return elementwise.clamp(self, min, max)

    clip = clamp

    def where(self, condition: Tensor, other: Tensor | Scalar) -> Tensor:
        """``self`` where ``condition`` holds, else ``other``."""
        return elementwise.where(condition, self, other)

    def _as_float(self) -> Tensor:
        return self if self._data.dtype.kind == "f" else self.to(get_default_dtype())

    # --- reductions ------------------------------------------------------------------------
    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Sum over ``dim`` (all dimensions when None)."""
        return reduce.sum(self, dim, keepdim)

    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Mean over ``dim`` (all dimensions when None)."""
        return reduce.mean(self, dim, keepdim)

    def var(
        self, dim: int | Sequence[int] | None = None, correction: int = 1, keepdim: bool = False,
        unbiased: bool | None = None,
    ) -> Tensor:
        """Variance over ``dim``, dividing by ``N - correction`` (Bessel's correction)."""
        if unbiased is not None:
            correction = int(unbiased)
        return reduce.var(self, dim, correction, keepdim)

    def std(
        self, dim: int | Sequence[int] | None = None, correction: int = 1, keepdim: bool = False,
        unbiased: bool | None = None,
    ) -> Tensor:
        """Standard deviation over ``dim``: the square root of :meth:`var`."""
        return self.var(dim, correction, keepdim, unbiased).sqrt()

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Product over ``dim`` (all elements when None); zeros are handled exactly."""
        return reduce.prod(self, dim, keepdim)

    def amax(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Maximum over ``dim``; ties share the gradient evenly."""
        return reduce.amax(self, dim, keepdim)

    def amin(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Minimum over ``dim``; ties share the gradient evenly."""
        return reduce.amin(self, dim, keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The maximum; with an int ``dim``, a ``(values, indices)`` pair as in PyTorch.

        With a tensor argument, the elementwise maximum.
        """
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        return reduce.max_min(self, dim, keepdim, "max")

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The minimum; with an int ``dim``, a ``(values, indices)`` pair as in PyTorch.

        With a tensor argument, the elementwise minimum.
        """
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        return reduce.max_min(self, dim, keepdim, "min")

    def logsumexp(self, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
        """``log(sum(exp(x)))`` over ``dim``, computed without overflow."""
        return reduce.logsumexp(self, dim, keepdim)

    def softmax(self, dim: int) -> Tensor:
        """Softmax over ``dim``, computed without overflow."""
        return reduce.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        """Log of softmax over ``dim``, computed without overflow."""
        return reduce.log_softmax(self, dim)

    # --- shape -----------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape (one size may be -1)."""
        return shape_ops.reshape(self, _shape_args(shape))

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape."""
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the dimensions ``start_dim..end_dim`` into one."""
        return shape_ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """Split dimension ``dim`` into ``sizes``."""
        return shape_ops.unflatten(self, dim, sizes)

    def squeeze(self, dim: int | Sequence[int] | None = None) -> Tensor:
        """Remove dimensions of size 1 (only ``dim`` when given)."""
        return shape_ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``."""
        return shape_ops.unsqueeze(self, dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        return shape_ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions."""
        return shape_ops.permute(self, _shape_args(dims))

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to a larger shape (-1 keeps a size)."""
        return shape_ops.expand(self, _shape_args(shape))

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape."""
        return self.expand(other.shape)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along each dimension."""
        return shape_ops.repeat(self, _shape_args(sizes))

    def split(self, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` (or of the given sizes) along ``dim``."""
        return shape_ops.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` nearly equal pieces along ``dim``."""
        return shape_ops.chunk(self, chunks, dim)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """Values at ``index`` along ``dim`` (``out[i][j] = self[i][index[i][j]]`` for dim 1)."""
        return shape_ops.gather(self, dim, index)

    def __getitem__(self, index: Any) -> Tensor:
        return shape_ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Tensor | Scalar) -> None:
        inplace.setitem(self, index, value)

    # --- in-place updates -------------------------------------------------------------------
    def __iadd__(self, other: Tensor | Scalar) -> Tensor:
        return inplace.update(self, "add", other)

    def __isub__(self, other: Tensor | Scalar) -> Tensor:
        return inplace.update(self, "sub", other)

    def __imul__(self, other: Tensor | Scalar) -> Tensor:
        return inplace.update(self, "mul", other)

    def __itruediv__(self, other: Tensor | Scalar) -> Tensor:
        return inplace.update(self, "div", other)

    def add_(self, other: Tensor | Scalar, alpha: float = 1) -> Tensor:
        """In-place ``self += alpha * other``."""
        return inplace.update(self, "add", other if alpha == 1 else other * alpha)

    def sub_(self, other: Tensor | Scalar, alpha: float = 1) -> Tensor:
        """In-place ``self -= alpha * other``."""
        return inplace.update(self, "sub", other if alpha == 1 else other * alpha)

    def mul_(self, other: Tensor | Scalar) -> Tensor:
        """In-place ``self *= other``."""
        return inplace.update(self, "mul", other)

    def div_(self, other: Tensor | Scalar) -> Tensor:
        """In-place ``self /= other``."""
        return inplace.update(self, "div", other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        """In-place :meth:`clamp`."""
        return inplace.update(self, "clamp", (min, max))

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return inplace.update(self, "fill", 0)

    def fill_(self, value: Scalar) -> Tensor:
        """Fill with ``value`` in place."""
        return inplace.update(self, "fill", value)

    def copy_(self, src: Tensor) -> Tensor:
        """Copy ``src``'s values (broadcast, cast, moved across backends) into ``self``."""
        return inplace.update(self, "copy", src)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill in place with normal samples."""
        sample = self._backend.randn(self.shape, self.dtype) * std + mean
        return inplace.update(self, "copy", self._wrap(sample))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill in place with samples uniform on ``[a, b)``."""
        sample = self._backend.rand(self.shape, self.dtype) * (b - a) + a
        return inplace.update(self, "copy", self._wrap(sample))

    # --- drawing (minigrad.viz) ----------------------------------------------------------------
    def draw(self, **kwargs: Any) -> Any:
        """Draw the graph that computed this tensor; see :func:`minigrad.viz.draw_graph`."""
        from minigrad.viz import draw_graph

        return draw_graph(self, **kwargs)

    # --- interop: NumPy's __array__ and DLPack (see minigrad/dlpack.py) -----------------
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray[Any, Any]:
        """``numpy.asarray(t)``: the values as :meth:`numpy` gives them (the same memory on
        the NumPy backend, a host copy from a GPU backend).

        Raises
        ------
        RuntimeError
            If the tensor requires grad, as in PyTorch: NumPy could write through the
            array without autograd's version counter seeing it. Use ``t.detach()``.
        ValueError
            If ``copy=False`` but a copy is needed (a dtype change, or a GPU tensor).
        """
        if self._requires_grad:
            raise RuntimeError(
                "can't convert a tensor that requires grad to a NumPy array (numpy.asarray, "
                "numpy.array...): NumPy could change it behind autograd's back; use "
                "tensor.detach() first, as in PyTorch"
            )
        host = self.numpy()
        convert = dtype is not None and numpy.dtype(dtype) != host.dtype
        if copy is False and (convert or host is not self._data):
            reason = f"it is on {self.device}" if host is not self._data else f"{dtype} asked"
            raise ValueError(f"can't give NumPy this tensor's memory without a copy "
                             f"(copy=False): {reason}")
        if convert:
            return host.astype(dtype)
        return host.copy() if copy else host

    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: Any = None, copy: bool | None = None) -> Any:
        """Export this tensor's memory through DLPack (for ``numpy.from_dlpack``,
        ``torch.from_dlpack``, ``cupy.from_dlpack``, ``jax.dlpack.from_dlpack``).

        Raises
        ------
        BufferError
            If the tensor requires grad, as in PyTorch (use ``t.detach()``).
        """
        if self._requires_grad:
            raise BufferError("can't export a tensor that requires grad through DLPack; "
                              "use tensor.detach(), as in PyTorch")
        return dlpack.export(self._data, stream, max_version, dl_device, copy)

    def __dlpack_device__(self) -> tuple[Any, int]:
        """``(DLPack device type, device index)`` of this tensor's memory: ``(1, 0)`` on
        the CPU, ``(2, n)`` on CUDA GPU ``n``."""
        kind, index = self._data.__dlpack_device__()
        return kind, int(index)
    # --- end of interop ------------------------------------------------------------------

    # --- dtype shortcuts (last: their names shadow builtins in the class body) ---
    def float(self) -> Tensor:
        """Convert to float32."""
        return self.to(numpy.float32)

    def double(self) -> Tensor:
        """Convert to float64."""
        return self.to(numpy.float64)

    def half(self) -> Tensor:
        """Convert to float16."""
        return self.to(numpy.float16)

    def long(self) -> Tensor:
        """Convert to int64 (not differentiable)."""
        return self.to(numpy.int64)

    def int(self) -> Tensor:
        """Convert to int32 (not differentiable)."""
        return self.to(numpy.int32)

    def bool(self) -> Tensor:
        """Convert to bool (not differentiable)."""
        return self.to(numpy.bool_)


def _is_dtype_name(target: Any) -> bool:
    if not isinstance(target, str):
        return False
    try:
        numpy.dtype(target)
    except TypeError:
        return False
    return True


def resolve_backend(target: str | Backend) -> Backend:
    """A backend from a name, a PyTorch-style device string (``"cpu"``, ``"cuda:0"``) or
    an instance."""
    if isinstance(target, str):
        kind = target.split(":")[0]
        backend = backends.get({"cpu": "numpy", "cuda": "cupy"}.get(kind, target))
        wanted = target if kind == "cuda" else "cpu" if target in ("cpu", "cpu:0") else target
        if ":" in target and kind in ("cpu", "cuda") and wanted != backend.device:
            raise RuntimeError(
                f"device {target!r} is not available: the {backend.name!r} backend runs on "
                f"{backend.device!r}"
            )
        return backend
    return target


def _move(t: Tensor, target: str | Backend) -> Tensor:
    """``t`` on another backend; gradients flow back across the move."""
    target = resolve_backend(target)
    if target is t._backend:
        return t
    return transfer.Move.apply(t, target=target)


def tensor(
    data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Make a tensor from data (nested lists, numbers, NumPy arrays, tensors).

    Parameters
    ----------
    data : array_like
        The values. The data is copied.
    dtype : dtype, optional
        Defaults to the data's own dtype, with Python floats becoming the default dtype
        (float32) and Python ints int64.
    requires_grad : bool
        Record ops on this tensor for :meth:`Tensor.backward` (floating dtypes only).
    device : str or Backend, optional
        Backend to create it on (``"cpu"``, ``"cuda"``, a backend name); default: current.

    Examples
    --------
    >>> import minigrad
    >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    tensor([[1., 2.],
            [3., 4.]], requires_grad=True)
    """
    if isinstance(data, Tensor):
        host: Any = data._host()
    else:
        host = numpy.asarray(data)
        if (dtype is None and host.dtype == numpy.float64
                and not isinstance(data, (numpy.ndarray, numpy.generic))):
            host = host.astype(get_default_dtype())  # Python floats -> the default dtype
        if host.dtype.kind in "OUS":
            raise TypeError(f"can't make a tensor from {type(data).__name__} data: {data!r:.60}")
    if dtype is not None:
        host = host.astype(check_supported(dtype))
    else:
        check_supported(host.dtype)
    target = backends.current() if device is None else resolve_backend(device)
    made = Tensor._make(target.asarray(host), target)
    return made.requires_grad_(requires_grad) if requires_grad else made


from minigrad import autograd, dlpack, inplace, transfer  # noqa: E402  (they need Tensor)
from minigrad.ops import elementwise, linalg, reduce  # noqa: E402
from minigrad.ops import shape as shape_ops  # noqa: E402
