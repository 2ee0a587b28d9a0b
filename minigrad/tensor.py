"""The Tensor: an n-dimensional array on a backend that records how it was computed.

This module holds the data type itself: its fields, its attributes, conversion to Python
and NumPy values, and the autograd entry points. The ops (``x + y``, ``x.sum()``,
``x.reshape(...)``...) are bound onto the class from the op table
(:mod:`minigrad.optable`) when :mod:`minigrad.functional` is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import numpy
import numpy as np  # for annotations inside the class, where numpy() is a method

from minigrad import backends, dlpack, printing, shared_memory
from minigrad.device import device as Device
from minigrad.dtypes import check_supported, get_default_dtype, is_floating, no_bfloat16
from minigrad.size import Size
from minigrad.types import Array, Scalar, Shape
from minigrad.utils.hooks import add_hook

if TYPE_CHECKING:
    from minigrad._tensor_methods import TensorMethods
    from minigrad.autograd import Function
    from minigrad.backends import Backend
    from minigrad.utils.hooks import RemovableHandle
else:
    TensorMethods = object

__all__ = ["Scalar", "Tensor", "tensor"]

Hook = Callable[["Tensor"], "Tensor | None"]
T = TypeVar("T", bound="Tensor")


def shape_args(shape: tuple[Any, ...]) -> Shape:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(n) for n in shape[0])
    return tuple(int(n) for n in shape)


class Tensor(TensorMethods):
    """A multi-dimensional array that can record the ops applied to it.

    Create tensors with :func:`minigrad.tensor`, :func:`minigrad.zeros` and friends, or
    wrap a backend array with :meth:`from_array`. A tensor with ``requires_grad=True``
    records every op that uses it; calling :meth:`backward` on a result then fills
    ``.grad`` of the leaves.

    Attributes
    ----------
    grad : Tensor or None
        The gradient accumulated by :meth:`backward` (leaves and retained tensors only).
    """

    __slots__ = (
        "__weakref__",
        "_backend",
        "_base",
        "_data",
        "_grad_fn",
        "_graph_version",
        "_hooks",
        "_requires_grad",
        "_version_cell",
        "_view_ops",
        "grad",
    )
    __array_priority__ = 1000  # numpy scalars defer to Tensor's reflected operators
    # No __getattr__ here (for friendlier "no such method" errors, say): defining one stops
    # CPython from specialising attribute reads such as t._data, ~15% of an op's time.

    _data: Array
    _backend: Backend
    _requires_grad: bool
    _grad_fn: Function | None
    _version_cell: list[int]  # one cell shared by a tensor, its views and detach()
    _hooks: dict[int, Hook] | None
    grad: Tensor | None
    # A view knows the tensor whose memory it shows (its base, never itself a view), the
    # ops that made it from the base and the version its grad_fn was built at: an in-place
    # change through the view rewrites the base's graph, and a view whose memory changed
    # since (through the base or a sibling view) rebuilds its grad_fn from the base.
    _base: Tensor | None
    _view_ops: tuple[tuple[type[Function], dict[str, Any]], ...]
    _graph_version: int

    def __init__(self, *args: Any, device: Any = None) -> None:
        made = legacy_new("Tensor", args, None, device)
        for name in ("_data", "_backend", "_requires_grad", "_grad_fn", "_version_cell",
                     "_hooks", "_base"):
            setattr(self, name, getattr(made, name))
        self.grad = None

    @staticmethod
    def _new(data: Array, backend: Backend, requires_grad: bool = False) -> Tensor:
        """The fast constructor autograd uses (no checks, no copy)."""
        t = object.__new__(Tensor)
        t._data = data
        t._backend = backend
        t._requires_grad = requires_grad
        t._grad_fn = None
        t._version_cell = [0]
        t._hooks = None
        t._base = None
        t.grad = None
        return t

    @classmethod
    def from_array(
        cls, array: Array, backend: Backend | None = None, requires_grad: bool = False
    ) -> Tensor:
        """Wrap a backend array as a tensor, sharing its memory (no copy).

        This is the public array door for code above the ops (optimizers, layers, the
        kernels of backend plugins).

        Parameters
        ----------
        array : array
            An array of ``backend`` (``numpy.ndarray`` for the NumPy backend).
        backend : Backend, optional
            Its backend; the current one by default.
        requires_grad : bool
            Make the result a leaf that records ops (floating dtypes only).
        """
        target = backends.current() if backend is None else backend
        if not isinstance(array, target.array_type):
            array = target.xp.asarray(array)
        made = Tensor._new(array, target)
        return made.requires_grad_() if requires_grad else made

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
        return self._version_cell[0]

    def bump_version(self) -> None:
        """Record that this tensor's memory was changed in place (views see it too)."""
        self._version_cell[0] += 1

    # --- attributes -------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size of each dimension, as a :class:`minigrad.Size` (a tuple)."""
        return tuple.__new__(Size, self._data.shape)  # an array's shape is ints already

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return int(self._data.ndim)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The element type (``minigrad.float32``, ``minigrad.int64``, ...)."""
        dtype: np.dtype[Any] = self._data.dtype
        return dtype

    @property
    def backend(self) -> Backend:
        """The backend that holds this tensor's array."""
        return self._backend

    @property
    def device(self) -> Device:
        """Where the tensor lives, as a :class:`minigrad.device` (``device(type='cpu')``);
        ``str(t.device)`` is ``"cpu"`` or ``"cuda:0"``."""
        return Device(self._backend.device)

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
        return Tensor._new(self._data, self._backend)

    @data.setter
    def data(self, value: Tensor) -> None:
        # PyTorch's escape hatch: swap the values (even for another backend or dtype)
        # without telling the graph
        self._data = value._data
        self._backend = value._backend

    def as_subclass(self, cls: type[T]) -> T:
        """This tensor as an instance of ``cls`` (a ``Tensor`` subclass), sharing memory,
        version counter and graph position."""
        made = object.__new__(cls)
        for name in ("_data", "_backend", "_requires_grad", "_grad_fn", "_version_cell",
                     "_hooks", "grad", "_base"):
            setattr(made, name, getattr(self, name))
        if self._base is not None:
            made._view_ops, made._graph_version = self._view_ops, self._graph_version
        return made

    @property
    def T(self) -> Tensor:
        """The tensor with its dimensions reversed."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The tensor with its last two dimensions swapped (batched matrix transpose)."""
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> Any:
        """The shape (a :class:`minigrad.Size`), or the size of one dimension when ``dim``
        is given."""
        return self.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def dim(self) -> int:
        """The number of dimensions (same as :attr:`ndim`)."""
        return self.ndim

    def element_size(self) -> int:
        """Bytes per element."""
        return int(self._data.dtype.itemsize)

    def pin_memory(self) -> Tensor:
        """PyTorch copies a CPU tensor into page-locked memory for faster transfers to the
        GPU. minigrad has no pinned memory: with a usable GPU backend this returns the
        tensor itself (CuPy copies from ordinary memory).

        Raises
        ------
        RuntimeError
            Without a usable GPU backend, as PyTorch does without an accelerator.
        """
        from minigrad import cuda

        if not cuda.is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self

    # --- memory shared between processes (minigrad.multiprocessing) -----------------------
    def share_memory_(self) -> Tensor:
        """Move the values into shared memory, so that processes started afterwards (or
        sent this tensor through a ``minigrad.multiprocessing`` queue or pipe) update the
        same values in place, as in Hogwild training; returns ``self``.

        A no-op for tensors already shared and for tensors on an accelerator (as in
        PyTorch). Views made of the tensor before the move keep the old memory.
        """
        if self.device.type == "cpu" and not self.is_shared():
            self._data = shared_memory.share(self._host())
            send_shared_by_handle()
        return self

    def is_shared(self) -> bool:
        """Whether the values are in memory shared between processes (see
        :meth:`share_memory_`)."""
        return shared_memory.shared_block(self._data) is not None

    # --- conversion to Python and NumPy values -------------------------------------------
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

    def __format__(self, spec: str) -> str:
        """A one-element tensor formats as its number (``f"{loss:.3f}"``); others only
        with an empty spec, as their ``str``."""
        if self.numel() == 1 and (spec or self.ndim == 0):
            return format(self.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string {spec!r} for a tensor of shape {self.shape}: only "
                "one-element tensors format as numbers"
            )
        return str(self)

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
            values = printing.format_values(host, prefix="tensor(")
        if self._backend.device != "cpu":
            extras.append(f"device='{self._backend.device}'")
        if self.dtype not in (get_default_dtype(), numpy.dtype("int64"), numpy.dtype(bool)):
            extras.append(f"dtype=minigrad.{self.dtype}")
        if self._grad_fn is not None:
            extras.append(f"grad_fn={self._grad_fn!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return printing.with_suffixes("tensor(" + values, extras, indent=len("tensor("))

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
        t = Tensor._new(self._data, self._backend)
        t._version_cell = self._version_cell
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

    def register_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a replacement gradient of the same shape and dtype. Returns a
        handle whose ``remove()`` takes the hook away.
        """
        if not self._requires_grad:
            raise RuntimeError("can't register a hook on a tensor that does not require grad")
        if self._grad_fn is not None:
            return self._grad_fn.register_hook(hook)
        if self._hooks is None:
            self._hooks = {}
        return add_hook(self._hooks, hook)

    # --- moving between devices --------------------------------------------------------
    def cpu(self) -> Tensor:
        """This tensor on the CPU backend."""
        return self.to("cpu")

    def cuda(self, device: int | str | None = None) -> Tensor:
        """This tensor on the GPU backend (``cuda``, or ``cuda:<device>``)."""
        if device is None:
            return self.to("cuda")
        return self.to(device if isinstance(device, str) else f"cuda:{device}")

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor lives on an NVIDIA GPU."""
        return self._backend.device.startswith("cuda")

    @property
    def is_cpu(self) -> bool:
        """Whether the tensor lives on the CPU."""
        return self._backend.device.startswith("cpu")

    @property
    def is_xpu(self) -> bool:
        """Whether the tensor lives on an Intel GPU (never, in minigrad)."""
        return self._backend.device.startswith("xpu")

    def bfloat16(self) -> Tensor:
        """Refused with a ``TypeError``: minigrad has no bfloat16 (use :meth:`half`)."""
        raise no_bfloat16("Tensor")

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None
                ) -> Tensor:
        """Fill in place with normal samples (from ``generator`` when given)."""
        from minigrad.random import stream_of  # it builds on Tensor

        stream = stream_of(generator, self._backend, "normal_")
        sample = self._backend.randn(self.shape, self.dtype, stream) * std + mean
        return self.copy_(Tensor._new(sample, self._backend))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill in place with samples uniform on ``[a, b)`` (from ``generator`` when
        given)."""
        from minigrad.random import stream_of  # it builds on Tensor

        stream = stream_of(generator, self._backend, "uniform_")
        sample = self._backend.rand(self.shape, self.dtype, stream) * (b - a) + a
        return self.copy_(Tensor._new(sample, self._backend))

    # --- drawing ---------------------------------------------------------------------------
    def draw(self, params: Any = None, **kwargs: Any) -> Any:
        """Draw the graph that computed this tensor: ``loss.draw(model)`` names the
        parameters after ``model``'s; see :func:`minigrad.viz.draw_graph`."""
        # imported on use: viz is the top layer, and ``import minigrad`` does not load it
        from minigrad.viz import draw_graph

        return draw_graph(self, params=params, **kwargs)

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

def _host_values(data: Any) -> Any:
    """``data`` with the tensors inside lists and tuples turned into host values (their
    gradients are not followed, as in PyTorch)."""
    if isinstance(data, Tensor):
        return data._host()
    if isinstance(data, (list, tuple)) and any(isinstance(d, (Tensor, list, tuple))
                                               for d in data):
        return [_host_values(d) for d in data]
    return data


def _as_host_array(values: Any) -> Any:
    try:
        return numpy.asarray(values)
    except ValueError:
        raise ValueError(f"tensor: {_ragged(values, 0) or 'the data is not rectangular'}; "
                         "every nested list at one depth must have the same length") from None


def _ragged(values: Any, dim: int) -> str | None:
    """Where nested lists stop being rectangular, in PyTorch's words."""
    if not isinstance(values, (list, tuple)):
        return None
    lengths = [len(v) if isinstance(v, (list, tuple)) else None for v in values]
    if any(n != lengths[0] for n in lengths):
        got = next(n for n in lengths if n != lengths[0])
        if lengths[0] is None:
            return f"expected a number at dim {dim + 1} (got a sequence of length {got})"
        return (f"expected sequence of length {lengths[0]} at dim {dim + 1} "
                f"(got {'a number' if got is None else got})")
    return next((found for v in values if (found := _ragged(v, dim + 1))), None)


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
        host = _as_host_array(_host_values(data))
        if (dtype is None and host.dtype == numpy.float64
                and not isinstance(data, (numpy.ndarray, numpy.generic))):
            host = host.astype(get_default_dtype())  # Python floats -> the default dtype
        if host.dtype.kind in "OUS":
            raise TypeError(f"can't make a tensor from {type(data).__name__} data: {data!r:.60}")
    if dtype is not None:
        host = host.astype(check_supported(dtype))
    else:
        check_supported(host.dtype)
    target = backends.current() if device is None else backends.resolve(device)
    made = Tensor._new(target.asarray(host), target)
    return made.requires_grad_(requires_grad) if requires_grad else made


def legacy_new(name: str, args: tuple[Any, ...], dtype: Any, device: Any) -> Tensor:
    """PyTorch's legacy constructors (``torch.Tensor(...)``, ``torch.FloatTensor(...)``):
    sizes give an uninitialised tensor (here: zeros), data is copied into ``dtype``
    (default: the default float dtype), a tensor of that dtype is returned as an alias."""
    dtype = get_default_dtype() if dtype is None else check_supported(dtype)
    backend = backends.current() if device is None else backends.resolve(device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        if args[0].dtype != dtype and name != "Tensor":
            raise TypeError(f"{name}: expected a {dtype} tensor, got {args[0].dtype}; "
                            f"convert it with .to({dtype})")
        return args[0].detach()
    sizes = args[0] if len(args) == 1 and isinstance(args[0], Size) else args
    if all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
        if any(n < 0 for n in sizes):
            raise RuntimeError(f"{name}: trying to create a tensor with a negative dimension: "
                               f"{tuple(sizes)}")
        shape = tuple(sizes) if sizes else (0,)
        return Tensor._new(backend.xp.zeros(shape, dtype=dtype), backend)
    if len(args) != 1 or isinstance(args[0], (int, float, bool)):
        raise TypeError(f"{name}(): expected sizes (ints) or one sequence of data, got "
                        f"{tuple(type(a).__name__ for a in args)}")
    return tensor(args[0], dtype=dtype, device=backend)


def send_shared_by_handle() -> None:
    """Make multiprocessing pickle shared tensors as handles to their memory."""
    from multiprocessing.reduction import ForkingPickler

    ForkingPickler.register(Tensor, _reduce_for_processes)


def _reduce_for_processes(t: Tensor) -> Any:
    if t._grad_fn is not None:
        raise RuntimeError(
            "refusing to send a non-leaf tensor that requires grad to another process: "
            "autograd graphs do not cross process boundaries; send t.detach() to send "
            "the values")
    block = shared_memory.shared_block(t._data)
    if block is None:  # a copy, as pickle makes it
        return t.__reduce_ex__(4)
    return _rebuild_shared, (shared_memory.layout(t._data, block), t._requires_grad)


def _rebuild_shared(layout: tuple[Any, ...], requires_grad: bool) -> Tensor:
    send_shared_by_handle()  # so that this process can pass it on
    made = Tensor._new(shared_memory.rebuild(*layout), backends.resolve("cpu"))
    return made.requires_grad_(requires_grad) if requires_grad else made


from minigrad import autograd  # noqa: E402  (autograd names Tensor: the one cycle)
