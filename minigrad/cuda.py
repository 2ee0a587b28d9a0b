"""``minigrad.cuda``: PyTorch's CUDA queries, answered by the backend registry.

CUDA is available exactly when a registered backend whose device is ``cuda`` can run here
(with the bundled plugins: CuPy installed, a GPU and its driver present);
:func:`minigrad.backends.available` says why not otherwise. minigrad
runs on one GPU, the current CUDA device (pick it with ``CUDA_VISIBLE_DEVICES``), so
:func:`device_count` is 1 when CUDA is available.

Examples
--------
>>> import minigrad
>>> device = minigrad.device("cuda" if minigrad.cuda.is_available() else "cpu")
>>> minigrad.ones(2).to(device).device == device
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from minigrad import backends
from minigrad.amp import cuda as amp  # torch.cuda.amp: the deprecated spellings

__all__ = [
    "amp",
    "current_device",
    "device_count",
    "empty_cache",
    "get_device_name",
    "is_available",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "reset_peak_memory_stats",
    "synchronize",
]

def _find() -> tuple[backends.Backend | None, str]:
    try:
        return backends.resolve("cuda"), ""
    except RuntimeError as exc:
        return None, str(exc)


def is_available() -> bool:
    """Whether CUDA can be used: True exactly when a GPU backend can run here."""
    return _find()[0] is not None


def _backend(caller: str) -> backends.Backend:
    backend, reason = _find()
    if backend is None:
        raise RuntimeError(f"minigrad.cuda.{caller}: CUDA is not available: {reason}")
    return backend


def device_count() -> int:
    """The number of CUDA devices minigrad can use: 1 with a usable GPU, else 0."""
    return 1 if is_available() else 0


def current_device() -> int:
    """The index of the CUDA device the CuPy backend runs on.

    Raises
    ------
    RuntimeError
        If CUDA is not available (the message says why).
    """
    return int(_backend("current_device").device.partition(":")[2] or 0)


def get_device_name(device: Any = None) -> str:
    """The name of the GPU (``device`` may be None, an index, a string or a device).

    Raises
    ------
    RuntimeError
        If CUDA is not available.
    """
    return _backend("get_device_name").device_name()


def synchronize(device: Any = None) -> None:
    """Wait for all work queued on the GPU.

    Raises
    ------
    RuntimeError
        If CUDA is not available.
    """
    _backend("synchronize").synchronize()


def manual_seed(seed: int) -> None:
    """Seed the GPU's random generator; silently ignored without CUDA, as in PyTorch."""
    backend = _find()[0]
    if backend is not None:
        backend.manual_seed(int(seed))


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator (minigrad uses one); ignored without CUDA."""
    manual_seed(seed)


def empty_cache() -> None:
    """Return cached, unused GPU memory to the driver (a no-op without CUDA)."""
    backend = _find()[0]
    if backend is not None:
        backend.empty_cache()



# --- memory of the GPU backend's pool (PyTorch's caching-allocator statistics) -------------
_peaks = {"allocated": 0, "reserved": 0}


def _memory(kind: str) -> int:
    backend = _find()[0]
    if backend is None:
        return 0
    allocated, reserved = backend.memory_bytes()
    now = allocated if kind == "allocated" else reserved
    _peaks["allocated"] = max(_peaks["allocated"], allocated)
    _peaks["reserved"] = max(_peaks["reserved"], reserved)
    return now


def memory_allocated(device: Any = None) -> int:
    """Bytes of GPU memory held by live tensors (CuPy's memory pool's used bytes);
    0 without CUDA, as in PyTorch."""
    return _memory("allocated")


def memory_reserved(device: Any = None) -> int:
    """Bytes of GPU memory the memory pool holds, in use or cached for reuse; 0 without
    CUDA."""
    return _memory("reserved")


def max_memory_allocated(device: Any = None) -> int:
    """The most :func:`memory_allocated` has been since the start or
    :func:`reset_peak_memory_stats`, as far as minigrad saw: CuPy's pool keeps no peak,
    so it is the largest value read by these functions (call them after the step you
    measure). 0 without CUDA."""
    _memory("allocated")
    return _peaks["allocated"]


def max_memory_reserved(device: Any = None) -> int:
    """The most :func:`memory_reserved` has been, read as :func:`max_memory_allocated`
    is; 0 without CUDA."""
    _memory("reserved")
    return _peaks["reserved"]


def reset_peak_memory_stats(device: Any = None) -> None:
    """Start the peaks of :func:`max_memory_allocated` and :func:`max_memory_reserved`
    again from the current values."""
    _peaks["allocated"] = _peaks["reserved"] = 0
    _memory("allocated")


if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.cuda")
