"""A stand-in for CuPy on machines without a GPU, for ``gpu_check.sh --emulate``.

With this folder on ``PYTHONPATH``, ``import cupy`` gives NumPy plus the CuPy backend's
CUDA kernel bodies compiled for the host with g++ (the emulation of
``tests/test_cupy_kernels.py``), and ``MINIGRAD_BACKEND=cupy`` then runs minigrad's real
CuPy backend on the CPU. Arrays are NumPy arrays, so this finds what does not depend on
the device: tests that assume the NumPy backend is the default, and bugs in the backend's
Python glue and kernels. It cannot find differences between CuPy's and NumPy's APIs.
Needs the repository root on ``sys.path`` (for ``tests``) and a C++ compiler.
"""

import sys
import tempfile
import types
from pathlib import Path

import numpy

from tests.test_cupy_kernels import HostKernels, fake_cupy

_cupy, _cupyx = fake_cupy(HostKernels(Path(tempfile.mkdtemp(prefix="emulated-cupy-"))))
_cupy.__version__ = f"emulated on NumPy {numpy.__version__}"  # type: ignore[attr-defined]


def _erf(a: numpy.ndarray) -> numpy.ndarray:
    import math

    return numpy.vectorize(math.erf, otypes=[a.dtype])(a)


_scipy = types.ModuleType("cupyx.scipy")
_special = types.ModuleType("cupyx.scipy.special")
_special.erf = _erf  # type: ignore[attr-defined]
_scipy.special = _special  # type: ignore[attr-defined]
_cupyx.scipy = _scipy  # type: ignore[attr-defined]
sys.modules.update({"cupy": _cupy, "cupyx": _cupyx, "cupyx.scipy": _scipy,
                    "cupyx.scipy.special": _special})
