"""The interface every backend implements.

A backend gives the core an array namespace (``xp``, NumPy-compatible), host transfer,
random numbers and the CNN kernels. Every kernel has a generic implementation written
against ``xp`` (in :mod:`minigrad.backends.kernels`), so a new backend only needs a
namespace; fast backends override the kernels they can do better.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy

from minigrad.backends import kernels

Array = Any
Pair = tuple[int, int]


class Backend:
    """Base class of all backends.

    Subclasses set :attr:`name`, :attr:`xp` and :attr:`device`, and may override
    :meth:`unavailable_reason`, the transfer methods and any kernel.

    Attributes
    ----------
    name : str
        The registry name (``"numpy"``, ``"cupy"``, a plugin's name).
    xp : module
        The array namespace the core computes with (NumPy-compatible API).
    device : str
        PyTorch-style device string, ``"cpu"`` or ``"cuda:0"``.
    """

    name: ClassVar[str] = "base"
    device: str = "cpu"

    def __init__(self, xp: Any) -> None:
        self.xp = xp
        self.array_type: type = xp.ndarray
        self._rng: Any = xp.random.default_rng(0)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Say why this backend cannot run here, or return ``None`` if it can."""
        return None

    def __repr__(self) -> str:
        return f"<minigrad backend {self.name!r} on {self.device}>"

    # --- arrays and transfer -------------------------------------------------------
    def asarray(self, data: Any, dtype: Any = None) -> Array:
        """Make a backend array from host data (lists, scalars, NumPy arrays)."""
        return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array: Array) -> numpy.ndarray[Any, Any]:
        """Return ``array`` as a host NumPy array (no copy when already on the host)."""
        return numpy.asarray(array)

    def synchronize(self) -> None:
        """Wait until queued work is done (a no-op on synchronous backends)."""

    def index_add(self, target: Array, index: Any, values: Array) -> None:
        """Add ``values`` into ``target[index]`` in place; repeated indices accumulate."""
        self.xp.add.at(target, index, values)

    # --- random numbers --------------------------------------------------------------
    def manual_seed(self, seed: int) -> None:
        """Reset this backend's random generator to ``seed``."""
        self._rng = self.xp.random.default_rng(seed)

    def rand(self, shape: tuple[int, ...], dtype: Any) -> Array:
        """Uniform samples on ``[0, 1)``."""
        return self._rng.random(shape, dtype=dtype)

    def randn(self, shape: tuple[int, ...], dtype: Any) -> Array:
        """Standard normal samples."""
        return self._rng.standard_normal(shape, dtype=dtype)

    def randint(self, low: int, high: int, shape: tuple[int, ...], dtype: Any) -> Array:
        """Integers drawn uniformly from ``[low, high)``."""
        return self._rng.integers(low, high, size=shape, dtype=dtype)

    # --- CNN kernels (NCHW, input already padded) -------------------------------------
    def unfold(self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair) -> Array:
        """im2col: ``(N, C, H, W) -> (N, C*kh*kw, L)``."""
        return kernels.unfold(self.xp, x, kernel_size, stride, dilation)

    def fold(
        self, cols: Array, input_size: Pair, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> Array:
        """col2im, the adjoint of :meth:`unfold`: overlapping entries are summed."""
        return kernels.fold(self.xp, cols, input_size, kernel_size, stride, dilation)

    def conv2d(self, x: Array, weight: Array, stride: Pair, dilation: Pair, groups: int) -> Array:
        """Cross-correlation of ``x (N,C,H,W)`` with ``weight (O,C/groups,kh,kw)``."""
        return kernels.conv2d(self.xp, x, weight, stride, dilation, groups)

    def conv2d_grad_input(
        self, grad_out: Array, weight: Array, input_size: Pair, stride: Pair, dilation: Pair,
        groups: int,
    ) -> Array:
        """Gradient of :meth:`conv2d` with respect to its input."""
        return kernels.conv2d_grad_input(
            self.xp, grad_out, weight, input_size, stride, dilation, groups
        )

    def conv2d_grad_weight(
        self, grad_out: Array, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair,
        groups: int,
    ) -> Array:
        """Gradient of :meth:`conv2d` with respect to its weight."""
        return kernels.conv2d_grad_weight(
            self.xp, grad_out, x, kernel_size, stride, dilation, groups
        )

    def max_pool2d(
        self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> tuple[Array, Array]:
        """Window maxima and their flat ``h*W+w`` indices (first maximum wins ties)."""
        return kernels.max_pool2d(self.xp, x, kernel_size, stride, dilation)

    def min_pool2d(
        self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> tuple[Array, Array]:
        """Window minima and their flat ``h*W+w`` indices (first minimum wins ties)."""
        return kernels.min_pool2d(self.xp, x, kernel_size, stride, dilation)

    def pool2d_scatter(self, grad_out: Array, indices: Array, input_size: Pair) -> Array:
        """Scatter-add ``grad_out`` into a zero ``(N,C,H,W)`` plane at ``indices``."""
        return kernels.pool2d_scatter(self.xp, grad_out, indices, input_size)

    def pool2d_gather(self, x: Array, indices: Array) -> Array:
        """Read ``x (N,C,H,W)`` at flat plane ``indices``."""
        return kernels.pool2d_gather(self.xp, x, indices)

    def sum_pool2d(self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair) -> Array:
        """Sum over each window."""
        return kernels.sum_pool2d(self.xp, x, kernel_size, stride, dilation)

    def sum_pool2d_backward(
        self, grad_out: Array, input_size: Pair, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> Array:
        """Adjoint of :meth:`sum_pool2d`."""
        return kernels.sum_pool2d_backward(
            self.xp, grad_out, input_size, kernel_size, stride, dilation
        )
