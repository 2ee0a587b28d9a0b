"""DLPack: sharing tensors with NumPy, PyTorch, CuPy and JAX without copying.

DLPack is the array-exchange protocol of the Python array API standard. A producer
offers ``__dlpack__`` (a capsule describing its memory) and ``__dlpack_device__`` (where
that memory is); a consumer's ``from_dlpack`` wraps the same memory. minigrad tensors are
producers (:meth:`minigrad.Tensor.__dlpack__`), and :func:`from_dlpack` is the consumer.
The exchange goes through the array namespace of the backend that owns the device
(``numpy.from_dlpack`` on the CPU, ``cupy.from_dlpack`` on CUDA), so minigrad adds no
DLPack code of its own.

Examples
--------
>>> import numpy
>>> import minigrad
>>> t = minigrad.arange(3)
>>> a = numpy.from_dlpack(t)          # NumPy sees the tensor's memory
>>> back = minigrad.from_dlpack(a)    # and minigrad sees NumPy's
>>> back.add_(10)
tensor([10, 11, 12])
>>> t
tensor([10, 11, 12])
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from minigrad.dtypes import check_supported

if TYPE_CHECKING:
    from minigrad.backends import Backend
    from minigrad.tensor import Tensor

__all__ = ["DLDeviceType", "export", "from_dlpack"]


class DLDeviceType(enum.IntEnum):
    """The DLPack device types minigrad can meet (the protocol's ``DLDeviceType``)."""

    CPU = 1
    CUDA = 2
    CUDA_HOST = 3
    OPENCL = 4
    VULKAN = 7
    METAL = 8
    VPI = 9
    ROCM = 10
    ROCM_HOST = 11
    CUDA_MANAGED = 13
    ONE_API = 14


def export(array: Any, stream: Any = None, max_version: Any = None, dl_device: Any = None,
           copy: Any = None) -> Any:
    """``array.__dlpack__`` with the keywords the consumer gave.

    Older array libraries (NumPy before 2.1) accept only ``stream``; when they refuse the
    newer keywords, the capsule is made without them (the unversioned form, which every
    consumer still reads).
    """
    extra = {k: v for k, v in (("max_version", max_version), ("dl_device", dl_device),
                               ("copy", copy)) if v is not None}
    try:
        return array.__dlpack__(stream=stream, **extra)
    except TypeError:
        if not extra or max_version is None or dl_device is not None or copy is not None:
            raise
        return array.__dlpack__(stream=stream)


def _backend_for(ext: Any) -> Backend:
    """The backend whose device holds the producer's memory."""
    from minigrad import backends

    try:
        kind, index = ext.__dlpack_device__()
    except AttributeError:
        raise TypeError(
            f"from_dlpack: {type(ext).__name__} has no __dlpack_device__; pass an array that "
            "implements the DLPack protocol (NumPy, PyTorch, CuPy, JAX, a minigrad tensor)"
        ) from None
    if kind in (DLDeviceType.CPU, DLDeviceType.CUDA_HOST):
        return backends.resolve("cpu")
    if kind in (DLDeviceType.CUDA, DLDeviceType.CUDA_MANAGED):
        return backends.resolve(f"cuda:{index}")
    device = DLDeviceType(kind).name if kind in DLDeviceType._value2member_map_ else kind
    raise RuntimeError(
        f"from_dlpack: the array lives on DLPack device {device} (index {index}); minigrad's "
        "backends run on the CPU (numpy) and on CUDA GPUs (cupy) only"
    )


def from_dlpack(ext: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A tensor that shares memory with ``ext``, an array from another library.

    Parameters
    ----------
    ext : object
        Any object with ``__dlpack__`` and ``__dlpack_device__``: a NumPy, PyTorch, CuPy
        or JAX array, or a minigrad tensor. A PyTorch tensor that requires grad is
        refused by PyTorch (``BufferError``): pass ``t.detach()``.
    device : str or Backend, optional
        Where the result should live (``"cpu"``, ``"cuda"``, a backend). By default, the
        backend of the device that holds ``ext``; another device means a copy.
    copy : bool, optional
        ``True`` always copies; ``False`` never does (an error if a copy is needed);
        ``None`` (default) copies only to change device.

    Returns
    -------
    Tensor
        Not requiring grad. Writes through either side are seen by the other.

    Raises
    ------
    TypeError
        If ``ext`` does not implement DLPack (a bare capsule included: pass the array),
        or its dtype is one minigrad lacks.
    RuntimeError
        If ``ext`` lives on a device no minigrad backend runs on, or that backend is not
        usable here.
    BufferError
        If the producer refuses to export (a tensor that requires grad).

    Examples
    --------
    >>> import numpy
    >>> import minigrad
    >>> a = numpy.zeros(3, dtype=numpy.float32)
    >>> t = minigrad.from_dlpack(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 0., 0.])
    """
    from minigrad import backends
    from minigrad.tensor import Tensor

    if not hasattr(ext, "__dlpack__"):
        raise TypeError(
            f"from_dlpack: expected an object with __dlpack__ (a NumPy, PyTorch, CuPy or JAX "
            f"array, or a minigrad tensor), got {type(ext).__name__}"
        )
    source = _backend_for(ext)
    array = source.xp.from_dlpack(ext)
    try:
        check_supported(array.dtype)
    except TypeError as exc:
        raise TypeError(f"from_dlpack: {exc}") from None
    result = Tensor.from_array(array, source)
    target = source if device is None else backends.resolve(device)
    if copy is False and target is not source:
        raise ValueError(f"from_dlpack: copy=False, but moving the array from {source.device} "
                         f"to {target.device} needs a copy")
    if target is not source:
        return result.to(target)
    return Tensor.from_array(array.copy(), source) if copy else result
