"""The CuPy backend: minigrad on an NVIDIA GPU.

Select it with ``MINIGRAD_BACKEND=cupy``, ``minigrad.set_backend("cupy")`` or move
tensors with ``.cuda()``. CuPy is imported only when the backend is instantiated, so
listing backends works on machines without it.

The fused nodes (batch norm, the classification loss, the activations' gradients) and the
SGD and Adam steps run as one ElementwiseKernel each where the generic code launches
several small kernels (CuPy spends about 10 microseconds of CPU per launch), with CuPy's
own reductions for the per-channel sums.

CuPy 14 no longer ships cuDNN, so convolution is im2col (an ElementwiseKernel, see
:mod:`minigrad_cupy.cuda_kernels`, that reads zero padding in place) followed by one
cuBLAS GEMM per group through ``cupy.matmul``; col2im and the pooling kernels are
ElementwiseKernels too, and
scatter-adds use ``cupy.add.at`` (atomics; ``cupyx.scatter_add`` is deprecated in CuPy
14 and warns on every call). The fast kernels handle float32 and float64; other dtypes
use the generic kernels (which run on CuPy as well). Nothing here copies data to the
host, and no kernel waits for the GPU.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.backends import Backend
from minigrad.backends.base import Array, Pair
from minigrad.backends.convolution import Workspace
from minigrad.backends.geometry import NO_PAD, Pad4, output_size
from minigrad.backends.norm_kernels import channel_count, inverse_std, reduced_dims
from minigrad_cupy import cuda_kernels

__all__ = ["INSTALL_HINT", "CupyBackend"]

INSTALL_HINT = (
    'install CuPy with pip install "minigrad-cnn[cuda12]" (CUDA 12.x drivers) or '
    'pip install "minigrad-cnn[cuda13]" (CUDA 13.x)'
)
_FAST_DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))
# The dtypes ``cupy.add.at`` accumulates with CUDA atomics; others go through int64.
_ATOMIC_ADD_DTYPES = frozenset(
    numpy.dtype(t) for t in ("int32", "int64", "uint32", "uint64", "float16", "float32",
                             "float64")
)


def _windows(
    input_size: Pair, kernel_size: Pair, stride: Pair, dilation: Pair, out_hw: Pair | None
) -> Pair:
    """``out_hw`` (all windows that fit when ``None``), checked to fit in ``input_size``.

    A convolution's gradient may come for fewer windows than its input holds: a transposed
    convolution with ``output_padding`` asks for an input larger than its windows cover,
    and the positions no window reaches get zero gradient.
    """
    most = output_size(input_size, kernel_size, stride, dilation)
    if out_hw is None:
        return most
    if not (0 < out_hw[0] <= most[0] and 0 < out_hw[1] <= most[1]):
        raise ValueError(
            f"{out_hw[0]}x{out_hw[1]} windows (kernel {kernel_size}, stride {stride}, "
            f"dilation {dilation}) do not fit in an input of size {input_size}, which holds "
            f"at most {most[0]}x{most[1]}"
        )
    return (int(out_hw[0]), int(out_hw[1]))


class CupyBackend(Backend):
    """Runs every op on the current CUDA device with CuPy.

    Raises
    ------
    ImportError
        If CuPy is missing (the registry checks :meth:`unavailable_reason` first and
        reports it with an install hint).
    """

    name = "cupy"
    device = "cuda:0"

    def __init__(self) -> None:
        cupy = importlib.import_module("cupy")
        self._cupy: Any = cupy  # CuPy's own functions beyond the array API (asnumpy, cuda)
        super().__init__(cupy)
        self.device = f"cuda:{cupy.cuda.Device().id}"

        def build(spec: cuda_kernels.KernelSpec) -> Any:
            return cupy.ElementwiseKernel(
                spec.in_params, spec.out_params, spec.operation, spec.name
            )

        # Compiled by NVRTC on first call for each dtype, then cached on disk by CuPy.
        self._im2col = build(cuda_kernels.IM2COL)
        self._col2im = build(cuda_kernels.COL2IM)
        self._max_pool = build(cuda_kernels.MAX_POOL)
        self._min_pool = build(cuda_kernels.MIN_POOL)
        self._sum_pool = build(cuda_kernels.SUM_POOL)
        self._sum_pool_backward = build(cuda_kernels.SUM_POOL_BACKWARD)
        self._gather = build(cuda_kernels.POOL_GATHER)
        self._flat_index = build(cuda_kernels.POOL_FLAT_INDEX)
        self._batch_norm = build(cuda_kernels.BATCH_NORM)
        self._squared_deviation = build(cuda_kernels.BATCH_NORM_SQUARED_DEVIATION)
        self._grad_product = build(cuda_kernels.BATCH_NORM_GRAD_PRODUCT)
        self._batch_norm_grad_input = build(cuda_kernels.BATCH_NORM_GRAD_INPUT)
        self._nll_terms = build(cuda_kernels.NLL_TERMS)
        self._nll_grad = build(cuda_kernels.NLL_GRAD)
        self._relu_grad = build(cuda_kernels.RELU_GRAD)
        self._tanh_grad = build(cuda_kernels.TANH_GRAD)
        self._sigmoid_grad = build(cuda_kernels.SIGMOID_GRAD)
        self._sgd_step = build(cuda_kernels.SGD_STEP)
        self._adam_step = build(cuda_kernels.ADAM_STEP)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why CuPy cannot run here (not installed, no GPU, no driver), or ``None``."""
        try:
            cupy = importlib.import_module("cupy")
        except Exception as exc:  # ImportError, or a CUDA library that fails to load
            return f"CuPy is not installed or fails to import ({exc}); {INSTALL_HINT}"
        try:
            count = int(cupy.cuda.runtime.getDeviceCount())
        except Exception as exc:
            return (
                f"CuPy is installed but finds no usable CUDA GPU ({type(exc).__name__}: "
                f"{exc}); it needs an NVIDIA GPU with its driver (check nvidia-smi) and a "
                f"CuPy wheel matching the driver's CUDA version: {INSTALL_HINT}"
            )
        if count == 0:
            return "CuPy is installed but this machine has no CUDA GPU (check nvidia-smi)"
        return None

    # --- transfer ------------------------------------------------------------------
    def to_numpy(self, array: Array) -> numpy.ndarray[Any, Any]:
        """Copy a device array to the host (waits for the work that computes it)."""
        host: numpy.ndarray[Any, Any] = self._cupy.asnumpy(array)
        return host

    def synchronize(self) -> None:
        """Wait until the current GPU has finished all queued work, on every stream."""
        self._cupy.cuda.Device().synchronize()

    def device_name(self) -> str:
        """The GPU's model name, from the CUDA runtime."""
        props = self._cupy.cuda.runtime.getDeviceProperties(self._cupy.cuda.Device().id)
        name = props["name"]
        return name.decode() if isinstance(name, bytes) else str(name)

    def empty_cache(self) -> None:
        """Free the unused blocks of CuPy's memory pools."""
        self._cupy.get_default_memory_pool().free_all_blocks()
        self._cupy.get_default_pinned_memory_pool().free_all_blocks()

    def memory_bytes(self) -> tuple[int, int]:
        """``(used, total)`` bytes of CuPy's default memory pool."""
        pool = self._cupy.get_default_memory_pool()
        return int(pool.used_bytes()), int(pool.total_bytes())

    def cuda_version(self) -> str | None:
        """The CUDA runtime version CuPy reports, as ``"major.minor"``."""
        number = int(self._cupy.cuda.runtime.runtimeGetVersion())  # 1000 * major + 10 * minor
        return f"{number // 1000}.{number % 1000 // 10}"

    def erf(self, x: Array) -> Array:
        return importlib.import_module("cupyx.scipy.special").erf(x).astype(x.dtype, copy=False)

    def index_add(self, target: Array, index: Any, values: Array) -> None:
        """``target[index] += values`` with atomics (``cupy.add.at``).

        CUDA has no atomic add for bool and 8/16-bit integers: those add through an int64
        copy (bool ends up as logical or, as ``numpy.add.at`` gives).
        """
        if target.dtype in _ATOMIC_ADD_DTYPES:
            self.xp.add.at(target, index, values)
            return
        wide = target.astype(self.xp.int64)
        self.xp.add.at(wide, index, self.xp.asarray(values).astype(self.xp.int64))
        target[...] = wide.astype(target.dtype)

    # --- helpers -------------------------------------------------------------------
    @staticmethod
    def _fast(*arrays: Array) -> bool:
        dtype = arrays[0].dtype
        return dtype in _FAST_DTYPES and all(a.dtype == dtype for a in arrays[1:])

    def _cols(
        self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair, batch_first: bool,
        out_hw: Pair | None = None, padding: Pad4 = NO_PAD,
    ) -> Array:
        """im2col of ``x`` zero-padded by ``padding`` (read in place, never copied padded)
        into ``(N, C, kh, kw, oh, ow)`` or, batch second, ``(C, kh, kw, N, oh, ow)`` (the
        first ``out_hw`` windows; all of them by default)."""
        n, c, h, w = x.shape
        top, bottom, left, right = padding
        oh, ow = _windows((h + top + bottom, w + left + right), kernel_size, stride,
                          dilation, out_hw)
        kh, kw = kernel_size
        shape = (n, c, kh, kw, oh, ow) if batch_first else (c, kh, kw, n, oh, ow)
        cols = self.xp.empty(shape, dtype=x.dtype)
        self._im2col(
            self.xp.ascontiguousarray(x), n, c, h, w, kh, kw, *stride, *dilation, oh, ow,
            int(batch_first), top, left, cols,
        )
        return cols

    def _image(
        self, cols: Array, batch: int, channels: int, input_size: Pair, kernel_size: Pair,
        stride: Pair, dilation: Pair, batch_first: bool, out_hw: Pair | None = None,
        padding: Pad4 = NO_PAD,
    ) -> Array:
        """col2im from either :meth:`_cols` layout into ``(N, C, H, W)``, the image before
        ``padding`` (what falls on the padding is dropped)."""
        h, w = input_size
        top, bottom, left, right = padding
        oh, ow = _windows((h + top + bottom, w + left + right), kernel_size, stride,
                          dilation, out_hw)
        kh, kw = kernel_size
        if cols.size != batch * channels * kh * kw * oh * ow:
            raise ValueError(
                f"columns of shape {cols.shape} do not match batch {batch}, {channels} "
                f"channels, kernel {kernel_size} and output size {(oh, ow)}"
            )
        image = self.xp.empty((batch, channels, h, w), dtype=cols.dtype)
        self._col2im(
            self.xp.ascontiguousarray(cols), batch, channels, h, w, kh, kw, *stride,
            *dilation, oh, ow, int(batch_first), top, left, image,
        )
        return image

    # --- CNN kernels -----------------------------------------------------------------
    def unfold(self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair) -> Array:
        if not self._fast(x):
            return super().unfold(x, kernel_size, stride, dilation)
        cols = self._cols(x, kernel_size, stride, dilation, batch_first=True)
        n, c, kh, kw, oh, ow = cols.shape
        return cols.reshape(n, c * kh * kw, oh * ow)

    def fold(
        self, cols: Array, input_size: Pair, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> Array:
        if not self._fast(cols):
            return super().fold(cols, input_size, kernel_size, stride, dilation)
        n, rows, length = cols.shape
        kh, kw = kernel_size
        oh, ow = output_size(input_size, kernel_size, stride, dilation)
        if rows % (kh * kw) or length != oh * ow:
            raise ValueError(
                f"cols of shape {cols.shape} do not match kernel {kernel_size} "
                f"and output size {(oh, ow)}"
            )
        return self._image(
            cols, n, rows // (kh * kw), input_size, kernel_size, stride, dilation, True
        )

    def conv2d(self, x: Array, weight: Array, stride: Pair, dilation: Pair, groups: int,
               padding: Pad4 = NO_PAD, workspace: Workspace | None = None) -> Array:
        if not self._fast(x, weight):
            return super().conv2d(x, weight, stride, dilation, groups, padding, workspace)
        n, c = x.shape[:2]
        o, cg, kh, kw = weight.shape
        _check_groups(c, o, cg, groups)
        cols = self._cols(x, (kh, kw), stride, dilation, batch_first=False, padding=padding)
        oh, ow = cols.shape[4:]
        k = cg * kh * kw
        # One GEMM per group over the whole batch: (G, O/G, K) @ (G, K, N*L).
        out = self.xp.matmul(
            weight.reshape(groups, o // groups, k), cols.reshape(groups, k, n * oh * ow)
        )
        return self.xp.ascontiguousarray(out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3))

    def conv2d_grad_input(
        self, grad_out: Array, weight: Array, input_size: Pair, stride: Pair, dilation: Pair,
        groups: int, padding: Pad4 = NO_PAD, workspace: Workspace | None = None,
    ) -> Array:
        if not self._fast(grad_out, weight):
            return super().conv2d_grad_input(
                grad_out, weight, input_size, stride, dilation, groups, padding, workspace
            )
        n, o, oh, ow = grad_out.shape
        _, cg, kh, kw = weight.shape
        _check_groups(cg * groups, o, cg, groups)
        k = cg * kh * kw
        g3 = grad_out.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * oh * ow)
        # (G, K, O/G) @ (G, O/G, N*L) is laid out as (C, kh, kw, N, oh, ow).
        dcols = self.xp.matmul(weight.reshape(groups, o // groups, k).transpose(0, 2, 1), g3)
        return self._image(
            dcols, n, cg * groups, input_size, (kh, kw), stride, dilation, batch_first=False,
            out_hw=(oh, ow), padding=padding,
        )

    def conv2d_grad_weight(
        self, grad_out: Array, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair,
        groups: int, padding: Pad4 = NO_PAD, workspace: Workspace | None = None,
    ) -> Array:
        if not self._fast(grad_out, x):
            return super().conv2d_grad_weight(
                grad_out, x, kernel_size, stride, dilation, groups, padding, workspace
            )
        n, o, oh, ow = grad_out.shape
        c = x.shape[1]
        kh, kw = kernel_size
        _check_groups(c, o, c // groups, groups)
        k = (c // groups) * kh * kw
        cols = self._cols(x, kernel_size, stride, dilation, batch_first=False, out_hw=(oh, ow),
                          padding=padding)
        g3 = grad_out.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * oh * ow)
        # The batch is summed inside the GEMM: (G, O/G, N*L) @ (G, N*L, K).
        dw = self.xp.matmul(g3, cols.reshape(groups, k, n * oh * ow).transpose(0, 2, 1))
        return dw.reshape(o, c // groups, kh, kw)

    def _arg_pool(
        self, kernel: Any, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> tuple[Array, Array]:
        n, c, h, w = x.shape
        oh, ow = output_size((h, w), kernel_size, stride, dilation)
        pooled = self.xp.empty((n, c, oh, ow), dtype=x.dtype)
        arg = self.xp.empty((n, c, oh, ow), dtype=self.xp.int64)
        kernel(
            self.xp.ascontiguousarray(x), h, w, *kernel_size, *stride, *dilation, oh, ow,
            pooled, arg,
        )
        return pooled, arg

    def pool2d(
        self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair, largest: bool = True,
        return_indices: bool = False,
    ) -> Any:
        """Window maxima or minima (and their indices) in one kernel launch; without
        ``return_indices`` the indices the kernel also writes are dropped."""
        if not self._fast(x):
            return super().pool2d(x, kernel_size, stride, dilation, largest, return_indices)
        kernel = self._max_pool if largest else self._min_pool
        values, indices = self._arg_pool(kernel, x, kernel_size, stride, dilation)
        return (values, indices) if return_indices else values

    def pool2d_scatter(self, grad_out: Array, indices: Array, input_size: Pair) -> Array:
        if not self._fast(grad_out):
            return super().pool2d_scatter(grad_out, indices, input_size)
        n, c, oh, ow = indices.shape
        h, w = input_size
        flat = self._flat_index(indices.astype(self.xp.int64, copy=False), h * w, oh * ow)
        out = self.xp.zeros(n * c * h * w, dtype=grad_out.dtype)
        self.xp.add.at(out, flat, grad_out)
        return out.reshape(n, c, h, w)

    def pool2d_gather(self, x: Array, indices: Array) -> Array:
        if not self._fast(x):
            return super().pool2d_gather(x, indices)
        h, w = x.shape[2:]
        oh, ow = indices.shape[2:]
        return self._gather(
            self.xp.ascontiguousarray(x), indices.astype(self.xp.int64, copy=False), h * w,
            oh * ow,
        )

    def sum_pool2d(self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair) -> Array:
        if not self._fast(x):
            return super().sum_pool2d(x, kernel_size, stride, dilation)
        n, c, h, w = x.shape
        oh, ow = output_size((h, w), kernel_size, stride, dilation)
        pooled = self.xp.empty((n, c, oh, ow), dtype=x.dtype)
        self._sum_pool(
            self.xp.ascontiguousarray(x), h, w, *kernel_size, *stride, *dilation, oh, ow,
            pooled,
        )
        return pooled

    def sum_pool2d_backward(
        self, grad_out: Array, input_size: Pair, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> Array:
        if not self._fast(grad_out):
            return super().sum_pool2d_backward(
                grad_out, input_size, kernel_size, stride, dilation
            )
        n, c, oh, ow = grad_out.shape
        expected = output_size(input_size, kernel_size, stride, dilation)
        if expected != (oh, ow):
            raise ValueError(f"grad_out spatial size {(oh, ow)} != expected {expected}")
        h, w = input_size
        grad_in = self.xp.empty((n, c, h, w), dtype=grad_out.dtype)
        self._sum_pool_backward(
            self.xp.ascontiguousarray(grad_out), h, w, *kernel_size, *stride, *dilation, oh,
            ow, grad_in,
        )
        return grad_in


    # --- fused nodes -------------------------------------------------------------------
    def _dummy(self, like: Array) -> Array:
        """A one-element array standing in for an optional kernel argument (not read)."""
        return self.xp.zeros(1, dtype=like.dtype)

    def batch_norm_train(self, x: Array, weight: Array | None, bias: Array | None,
                         eps: float) -> tuple[Array, Array, Array, Array]:
        count = channel_count(x.shape)
        if not self._fast(x) or count == 0:
            return super().batch_norm_train(x, weight, bias, eps)
        dims, (channels, inner) = reduced_dims(x.ndim), _channels(x)
        x = self.xp.ascontiguousarray(x)
        mean = x.sum(axis=dims) / count
        var = self._squared_deviation(x, mean, channels, inner).sum(axis=dims) / count
        invstd = inverse_std(self.xp, var, eps)
        return self.batch_norm(x, mean, invstd, weight, bias), mean, var, invstd

    def batch_norm(self, x: Array, mean: Array, invstd: Array, weight: Array | None,
                   bias: Array | None) -> Array:
        if not self._fast(x, mean, invstd):
            return super().batch_norm(x, mean, invstd, weight, bias)
        channels, inner = _channels(x)
        dummy = self._dummy(x)
        return self._batch_norm(
            self.xp.ascontiguousarray(x), mean, invstd, dummy if weight is None else weight,
            dummy if bias is None else bias, channels, inner, int(weight is not None),
            int(bias is not None),
        )

    def batch_norm_backward(
        self, grad_out: Array, x: Array, mean: Array, invstd: Array, weight: Array | None,
        batch_stats: bool, needs: tuple[bool, bool, bool],
    ) -> tuple[Array | None, Array | None, Array | None]:
        count = channel_count(x.shape)
        if not self._fast(grad_out, x, mean, invstd) or count == 0:
            return super().batch_norm_backward(grad_out, x, mean, invstd, weight,
                                               batch_stats, needs)
        dims, (channels, inner) = reduced_dims(x.ndim), _channels(x)
        g, x = self.xp.ascontiguousarray(grad_out), self.xp.ascontiguousarray(x)
        sum_g = g.sum(axis=dims)
        sum_gc = self._grad_product(g, x, mean, channels, inner).sum(axis=dims)
        dx = None
        if needs[0]:
            dx = self._batch_norm_grad_input(
                g, x, mean, invstd, self._dummy(x) if weight is None else weight, sum_g,
                sum_gc, channels, inner, count, int(weight is not None), int(batch_stats),
            )
        return (dx, sum_gc * invstd if needs[1] else None, sum_g if needs[2] else None)

    def nll_terms(self, logp: Array, target: Array, pick: Array, spread: Array | None,
                  class_weight: Array | None, dim: int) -> Array:
        if not self._fast(logp, pick):
            return super().nll_terms(logp, target, pick, spread, class_weight, dim)
        classes, inner = logp.shape[dim], _size(logp.shape[dim + 1:])
        dummy = self._dummy(logp)
        return self._nll_terms(
            self.xp.asarray(pick), self.xp.ascontiguousarray(logp),
            self.xp.ascontiguousarray(target, dtype=self.xp.int64),
            dummy if spread is None else self.xp.ascontiguousarray(spread),
            dummy if class_weight is None else class_weight, classes, inner,
            int(spread is not None), int(class_weight is not None),
        )

    def nll_grad(self, coef: Array, logp_shape: tuple[int, ...], target: Array, pick: Array,
                 spread: Array | None, class_weight: Array | None, dim: int) -> Array:
        coef = self.xp.asarray(coef)
        if not self._fast(coef, pick):
            return super().nll_grad(coef, logp_shape, target, pick, spread, class_weight, dim)
        classes, inner = logp_shape[dim], _size(logp_shape[dim + 1:])
        dummy = self._dummy(pick)
        out = self.xp.empty(logp_shape, dtype=pick.dtype)
        self._nll_grad(
            self.xp.ascontiguousarray(coef.reshape(-1)),
            self.xp.ascontiguousarray(target, dtype=self.xp.int64),
            self.xp.ascontiguousarray(pick),
            dummy if spread is None else self.xp.ascontiguousarray(spread),
            dummy if class_weight is None else class_weight, classes, inner,
            int(coef.size > 1 or coef.ndim > 0), int(spread is not None),
            int(class_weight is not None), out,
        )
        return out

    def relu_grad(self, grad_out: Array, y: Array) -> Array:
        if not self._fast(grad_out, y):
            return super().relu_grad(grad_out, y)
        return self._relu_grad(grad_out, y)

    def tanh_grad(self, grad_out: Array, y: Array) -> Array:
        if not self._fast(grad_out, y):
            return super().tanh_grad(grad_out, y)
        return self._tanh_grad(grad_out, y)

    def sigmoid_grad(self, grad_out: Array, y: Array) -> Array:
        if not self._fast(grad_out, y):
            return super().sigmoid_grad(grad_out, y)
        return self._sigmoid_grad(grad_out, y)

    # --- optimizer steps: one kernel per parameter --------------------------------------
    def sgd_step(
        self, params: Sequence[Array], grads: Sequence[Array],
        buffers: Sequence[Array | None], *, lr: float, momentum: float, dampening: float,
        weight_decay: float, nesterov: bool, maximize: bool,
    ) -> list[Array | None]:
        result: list[Array | None] = []
        for p, grad, buffer in zip(params, grads, buffers):
            if not (self._fast(p, grad) and p.flags.c_contiguous):
                result += super().sgd_step([p], [grad], [buffer], lr=lr, momentum=momentum,
                                           dampening=dampening, weight_decay=weight_decay,
                                           nesterov=nesterov, maximize=maximize)
                continue
            first = buffer is None
            if momentum != 0 and first:
                buffer = self.xp.empty_like(p)
            self._sgd_step(
                grad, self._dummy(p) if buffer is None else buffer, lr, momentum,
                1 - dampening, weight_decay, int(momentum != 0), int(first), int(nesterov),
                int(maximize), p,
            )
            result.append(buffer)
        return result

    def adam_step(
        self, params: Sequence[Array], grads: Sequence[Array], exp_avgs: Sequence[Array],
        exp_avg_sqs: Sequence[Array], max_exp_avg_sqs: Sequence[Array | None],
        steps: Sequence[int], *, lr: float, beta1: float, beta2: float, eps: float,
        weight_decay: float, amsgrad: bool, maximize: bool, decoupled: bool,
    ) -> None:
        for p, grad, m, v, v_max, step in zip(params, grads, exp_avgs, exp_avg_sqs,
                                              max_exp_avg_sqs, steps):
            if not (self._fast(p, grad, m, v) and p.flags.c_contiguous):
                super().adam_step([p], [grad], [m], [v], [v_max], [step], lr=lr,
                                  beta1=beta1, beta2=beta2, eps=eps,
                                  weight_decay=weight_decay, amsgrad=amsgrad,
                                  maximize=maximize, decoupled=decoupled)
                continue
            self._adam_step(
                grad, self._dummy(p) if v_max is None else v_max, 1 - lr * weight_decay,
                weight_decay, 1 - beta1, beta2, 1 - beta2, math.sqrt(1 - beta2**step), eps,
                lr / (1 - beta1**step), int(amsgrad), int(maximize), int(decoupled), p, m, v,
            )


def _size(shape: Sequence[int]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def _channels(x: Array) -> tuple[int, int]:
    """``(C, inner)`` of an ``(N, C, *)`` array: channels, and values per sample and
    channel."""
    return x.shape[1], _size(x.shape[2:])


def _check_groups(channels: int, out_channels: int, per_group: int, groups: int) -> None:
    if channels != per_group * groups or out_channels % groups:
        raise ValueError(
            f"conv2d with groups={groups} needs in_channels = weight.shape[1] * groups and "
            f"out_channels divisible by groups; got in_channels={channels}, "
            f"weight.shape[1]={per_group}, out_channels={out_channels}"
        )
