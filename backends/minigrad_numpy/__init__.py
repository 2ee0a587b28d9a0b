"""The NumPy backend: minigrad's default, always available."""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.backends import Backend

__all__ = ["NumpyBackend"]


class NumpyBackend(Backend):
    """Runs every op on the CPU with NumPy.

    It keeps the generic kernels of :mod:`minigrad.backends.kernels`: they are written for
    NumPy already (im2col from one strided slice per kernel tap, then a batched matmul;
    pooling as elementwise passes over the taps; ``numpy.add.at`` for scatter-adds, which
    on NumPy 2 is about three times faster than a ``numpy.bincount`` scatter).
    """

    name = "numpy"
    device = "cpu"
    xp: Any = numpy
