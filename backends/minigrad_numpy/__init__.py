"""The NumPy backend: minigrad's default, always available."""

from __future__ import annotations

from typing import ClassVar

import numpy

from minigrad.backends import Backend

__all__ = ["NumpyBackend"]


class NumpyBackend(Backend):
    """Runs every op on the CPU with NumPy.

    The CNN kernels are the generic ones from :mod:`minigrad.backends.kernels`, which are
    already vectorised for NumPy (strided-slice im2col plus one batched matmul).
    """

    name: ClassVar[str] = "numpy"
    device = "cpu"

    def __init__(self) -> None:
        super().__init__(numpy)
