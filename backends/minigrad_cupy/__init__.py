"""The CuPy backend: minigrad on an NVIDIA GPU.

Select it with ``MINIGRAD_BACKEND=cupy`` or ``minigrad.set_backend("cupy")``. CuPy is
imported only when the backend is used, so listing backends works without it.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import numpy

from minigrad.backends import Backend

__all__ = ["CupyBackend"]

INSTALL_HINT = 'install CuPy with pip install "minigrad[cuda12]" (or "minigrad[cuda13]")'


class CupyBackend(Backend):
    """Runs every op on the current CUDA device with CuPy."""

    name: ClassVar[str] = "cupy"
    device = "cuda:0"

    def __init__(self) -> None:
        cupy = importlib.import_module("cupy")
        super().__init__(cupy)
        self.device = f"cuda:{cupy.cuda.Device().id}"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        try:
            cupy = importlib.import_module("cupy")
        except ImportError as exc:
            return f"CuPy is not installed ({exc}); {INSTALL_HINT}"
        try:
            count = int(cupy.cuda.runtime.getDeviceCount())
        except Exception as exc:
            return f"no usable CUDA GPU or driver ({exc}); a GPU and its driver are needed"
        if count == 0:
            return "CuPy found no CUDA GPU on this machine"
        return None

    def to_numpy(self, array: Any) -> numpy.ndarray[Any, Any]:
        return self.xp.asnumpy(array)  # type: ignore[no-any-return]

    def synchronize(self) -> None:
        self.xp.cuda.get_current_stream().synchronize()

    def index_add(self, target: Any, index: Any, values: Any) -> None:
        cupyx = importlib.import_module("cupyx")
        cupyx.scatter_add(target, index, values)
