"""The interface every backend implements.

A backend gives the core four things:

1. an array namespace ``xp`` with NumPy's API (``numpy`` itself, ``cupy``, or anything
   that behaves like them), which every op's forward pass computes with;
2. array creation from host data and transfer back to host NumPy
   (:meth:`Backend.asarray`, :meth:`Backend.to_numpy`);
3. random numbers (:meth:`Backend.manual_seed`, :meth:`Backend.rand`, ...);
4. the CNN kernels: im2col/col2im (:meth:`Backend.unfold`, :meth:`Backend.fold`),
   convolution and its two gradients, the pooling kernels, batch normalisation and the
   optimizer steps (the array work of the fused nodes and of ``optim.SGD``/``Adam``).

Only the namespace is required. Every other method has a generic implementation written
against ``xp`` (the kernels live in :mod:`minigrad.backends.kernels`), so a new backend can
start as three lines and then override, one at a time, the methods it can do faster.

========================  =========  ================================================
method                    override   default
========================  =========  ================================================
``xp``                    required   class attribute, or passed to ``__init__``
``unavailable_reason``    usually    ``None`` (always usable)
``device``                optional   ``"cpu"``
``asarray``, ``to_numpy`` optional   ``xp.array(data)`` / ``numpy.asarray(array)``
``synchronize``           optional   nothing to wait for
``index_add``             optional   ``xp.add.at``
RNG methods               optional   ``xp.random.default_rng``, else NumPy's on the host
CNN kernels               optional   :mod:`minigrad.backends.convolution`,
                                     :mod:`~minigrad.backends.pool_kernels`
batch norm, optimizers    optional   :mod:`~minigrad.backends.norm_kernels`,
                                     :mod:`~minigrad.backends.optim_kernels`
========================  =========  ================================================

Kernel conventions: arrays are NCHW, convolution weights ``(O, C // groups, kh, kw)``;
the convolution kernels take the unpadded input and a zero ``padding`` ``(top, bottom,
left, right)``; the pooling kernels and im2col take an input ALREADY PADDED by the caller,
so for them every kernel is a "valid" sliding window;
``kernel_size``, ``stride`` and ``dilation`` are ``(h, w)`` pairs; along a dimension of
size ``n`` the output has ``(n - d * (k - 1) - 1) // s + 1`` positions. Pooling indices
are int64 flat positions ``h * W + w`` in the ``(H, W)`` plane of the padded input. A
kernel returns a new array of the input's dtype and never transfers data to the host.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.backends import (
    convolution,
    kernels,
    loss_kernels,
    norm_kernels,
    optim_kernels,
    pool_kernels,
)
from minigrad.backends.array_api import ArrayNamespace
from minigrad.backends.convolution import Workspace
from minigrad.backends.geometry import NO_PAD, Pad4
from minigrad.backends.random_stream import RandomStream

Array = Any
Pair = tuple[int, int]

__all__ = ["Array", "Backend", "Pair"]


class Backend:
    """Base class of all backends: the generic implementation of the interface.

    A plugin subclasses it, sets :attr:`xp` and registers the class under the entry-point
    group ``minigrad.backends``; minigrad creates one instance per process, with no
    arguments, the first time the backend is used. See the Backends page of the docs.

    Parameters
    ----------
    xp : module, optional
        The array namespace. Subclasses whose namespace is known at class definition set
        the class attribute instead (``xp = numpy``); a namespace that must be imported
        lazily (CuPy) is passed here from the subclass's ``__init__``.

    Attributes
    ----------
    name : str
        The registry name (``"numpy"``, ``"cupy"``, a plugin's entry-point name). The
        registry sets it on the instance it creates, so error messages use the name the
        user typed; an instance made directly is named after its class unless the class
        sets ``name``.
    xp : module
        The array namespace the core computes with (NumPy-compatible API).
    device : str
        PyTorch-style device string, ``"cpu"`` or ``"cuda:0"``; ``Tensor.device`` reports it.
    array_type : type
        The class of this backend's arrays (``numpy.ndarray``, ``cupy.ndarray``).

    Raises
    ------
    TypeError
        If no namespace is given either way.

    Examples
    --------
    A complete (CPU) backend, usable with ``minigrad.set_backend``:

    >>> import numpy
    >>> import minigrad
    >>> from minigrad.backends import Backend
    >>> class Mine(Backend):
    ...     xp = numpy
    >>> with minigrad.use_backend(Mine()):
    ...     minigrad.ones(2).backend.name
    'Mine'
    """

    name: str = ""
    device: str = "cpu"
    xp: ArrayNamespace  # a class attribute of every subclass, or set by __init__

    def __init__(self, xp: Any = None) -> None:
        if not self.name:
            self.name = type(self).__name__
        if xp is not None:
            self.xp = xp
        if getattr(self, "xp", None) is None:
            raise TypeError(
                f"{type(self).__name__} has no array namespace: set the class attribute "
                "xp (e.g. xp = numpy) or call Backend.__init__(self, xp) from __init__"
            )
        array_type = getattr(self.xp, "ndarray", None)
        self.array_type: type = (
            array_type if isinstance(array_type, type) else type(self.xp.zeros(()))
        )
        self.random_stream = self.new_random_stream(0)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Say why this backend cannot run here, or return ``None`` if it can.

        Called by :func:`minigrad.backends.available` and before the first instance is
        made, so it must be cheap and must not raise. Say what is missing and how to get
        it ("CuPy is not installed; pip install ...").
        """
        return None

    def __repr__(self) -> str:
        return f"<minigrad backend {self.name!r} on {self.device}>"

    # One instance per backend and process: tensors compare backends by identity, so a
    # copy (copy.deepcopy of a model, a pickled tensor arriving in another process) must
    # come back as that instance, found again by name (copy and deepcopy use this too).
    def __reduce__(self) -> tuple[Any, ...]:
        from minigrad import backends

        return backends.get, (self.name,)

    # --- arrays and transfer -------------------------------------------------------
    def asarray(self, data: Any, dtype: Any = None) -> Array:
        """A new backend array holding a copy of host data.

        Parameters
        ----------
        data : array_like
            Python numbers, nested lists or a host NumPy array.
        dtype : dtype, optional
            Element type; by default the data's own.

        Returns
        -------
        array
            Never shares memory with ``data``, so that a tensor made from a NumPy array
            (or moved between two backends that both live on the host) owns its values.
        """
        return self.xp.array(data, dtype=dtype)

    def to_numpy(self, array: Array) -> numpy.ndarray[Any, Any]:
        """Return ``array`` as a host NumPy array (no copy when it is already one).

        This is the only way the core moves data to the host; ops never call it.
        """
        return numpy.asarray(array)

    def synchronize(self) -> None:
        """Wait until all queued work is done (nothing to wait for on synchronous backends).

        Benchmarks call it before reading a clock.
        """

    def device_name(self) -> str:
        """A readable name of the device (the GPU's model name on a GPU backend)."""
        return platform.processor() or platform.machine() or "cpu"

    def empty_cache(self) -> None:
        """Give memory cached by the array library back to the device (nothing by default)."""

    def memory_bytes(self) -> tuple[int, int]:
        """``(allocated, reserved)``: bytes the device memory pool has handed out to live
        arrays, and bytes it holds in all (``(0, 0)`` where there is no pool)."""
        return 0, 0

    def cuda_version(self) -> str | None:
        """The CUDA runtime version this backend runs on (``"12.4"``), or ``None``."""
        return None

    def index_add(self, target: Array, index: Any, values: Array) -> None:
        """Add ``values`` into ``target[index]`` in place; repeated indices accumulate.

        Parameters
        ----------
        target : array
            Modified in place.
        index : int array or tuple of int arrays
            Any index ``target[index]`` accepts.
        values : array
            Broadcastable to ``target[index]``.
        """
        self.xp.add.at(target, index, values)

    def erf(self, x: Array) -> Array:
        """The error function, elementwise (``gelu`` needs it).

        The generic version uses SciPy when it is installed and otherwise Python's
        ``math.erf`` element by element, on the host.
        """
        host = self.to_numpy(x)
        try:
            from scipy.special import erf
        except ImportError:
            result = numpy.vectorize(math.erf, otypes=[host.dtype])(host)
        else:
            result = erf(host).astype(host.dtype, copy=False)
        return self.asarray(result) if self.xp is not numpy else result

    # --- random numbers --------------------------------------------------------------
    def new_random_stream(self, seed: int) -> RandomStream:
        """A new stream of random numbers of this backend, seeded with ``seed``: what a
        :class:`minigrad.Generator` on this backend draws from.

        The default uses ``xp.random.default_rng`` when the namespace has it, otherwise
        NumPy's generator on the host (samples are then copied with :meth:`asarray`). A
        backend whose library seeds or saves its generators differently overrides this.
        """
        return RandomStream(self.xp, seed)

    def manual_seed(self, seed: int) -> None:
        """Reset this backend's default stream (:attr:`random_stream`) to ``seed``."""
        self.random_stream.reseed(seed)

    def _sampled(self, sample: Array, dtype: numpy.dtype[Any], stream: RandomStream) -> Array:
        if stream.on_host:
            return self.asarray(sample, dtype=dtype)
        return sample if sample.dtype == dtype else sample.astype(dtype)

    def rand(self, shape: tuple[int, ...], dtype: Any, stream: RandomStream | None = None
             ) -> Array:
        """Samples uniform on ``[0, 1)`` of a floating ``dtype``, from ``stream`` (default:
        this backend's :attr:`random_stream`).

        Raises
        ------
        TypeError
            If ``dtype`` is not a floating dtype.
        """
        dt = _floating(dtype, "rand")
        drawn = stream or self.random_stream
        return self._sampled(drawn.rng.random(shape, dtype=_sampling_dtype(dt)), dt, drawn)

    def randn(self, shape: tuple[int, ...], dtype: Any, stream: RandomStream | None = None
              ) -> Array:
        """Standard normal samples of a floating ``dtype``, from ``stream`` (default: this
        backend's :attr:`random_stream`).

        Raises
        ------
        TypeError
            If ``dtype`` is not a floating dtype.
        """
        dt = _floating(dtype, "randn")
        drawn = stream or self.random_stream
        sample = drawn.rng.standard_normal(shape, dtype=_sampling_dtype(dt))
        return self._sampled(sample, dt, drawn)

    def randint(self, low: int, high: int, shape: tuple[int, ...], dtype: Any,
                stream: RandomStream | None = None) -> Array:
        """Integers drawn uniformly from ``[low, high)``, stored as ``dtype``, from
        ``stream`` (default: this backend's :attr:`random_stream`).

        Raises
        ------
        ValueError
            If ``high <= low``.
        """
        if high <= low:
            raise ValueError(f"randint needs low < high, got low={low} and high={high}")
        dt = numpy.dtype(dtype)
        kind = dt if dt.kind in "iu" else numpy.dtype(numpy.int64)
        drawn = stream or self.random_stream
        return self._sampled(drawn.rng.integers(low, high, size=shape, dtype=kind), dt, drawn)

    # --- CNN kernels (NCHW, input already padded) -------------------------------------
    def unfold(self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair) -> Array:
        """im2col: ``(N, C, H, W) -> (N, C*kh*kw, L)``, rows ordered (c, i, j), ``L = oh*ow``."""
        return kernels.unfold(self.xp, x, kernel_size, stride, dilation)

    def fold(
        self, cols: Array, input_size: Pair, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> Array:
        """col2im, the adjoint of :meth:`unfold`: ``(N, C*kh*kw, L) -> (N, C, H, W)``,
        overlapping entries summed."""
        return kernels.fold(self.xp, cols, input_size, kernel_size, stride, dilation)

    # --- convolution: minigrad.backends.convolution picks im2col + GEMM or Winograd per
    # shape ----------------------------------------------------------------------------
    def conv2d(self, x: Array, weight: Array, stride: Pair, dilation: Pair, groups: int,
               padding: Pad4 = NO_PAD, workspace: Workspace | None = None) -> Array:
        """Cross-correlation of ``x (N, C, H, W)``, zero-padded by ``padding`` ``(top,
        bottom, left, right)``, with ``weight (O, C/groups, kh, kw)``, giving ``(N, O, oh,
        ow)`` (no bias). The algorithm is chosen per shape by
        :func:`minigrad.backends.convolution.select`; the input is padded chunk by chunk
        of the batch, never copied whole. A ``workspace`` (given when the weight gradient
        will follow) receives what that gradient can reuse; a backend may ignore it."""
        return convolution.conv2d(self.xp, x, weight, stride, dilation, groups, padding,
                                  workspace)

    def conv2d_grad_input(
        self, grad_out: Array, weight: Array, input_size: Pair, stride: Pair, dilation: Pair,
        groups: int, padding: Pad4 = NO_PAD, workspace: Workspace | None = None,
    ) -> Array:
        """Gradient of :meth:`conv2d` with respect to its input of size ``input_size``
        (before ``padding``): ``(N, O, oh, ow) -> (N, C, H, W)``; a ``workspace`` receives
        what the weight gradient of the same ``grad_out`` can reuse."""
        return convolution.conv2d_grad_input(
            self.xp, grad_out, weight, input_size, stride, dilation, groups, padding,
            workspace
        )

    def conv2d_grad_weight(
        self, grad_out: Array, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair,
        groups: int, padding: Pad4 = NO_PAD, workspace: Workspace | None = None,
    ) -> Array:
        """Gradient of :meth:`conv2d` with respect to its weight: ``(O, C/groups, kh, kw)``;
        ``x`` is the input before ``padding``; what :meth:`conv2d` and
        :meth:`conv2d_grad_input` kept in the ``workspace`` is reused."""
        return convolution.conv2d_grad_weight(
            self.xp, grad_out, x, kernel_size, stride, dilation, groups, padding, workspace
        )

    # --- batch normalisation (per channel of an (N, C, *) input) ----------------------
    def batch_norm_train(self, x: Array, weight: Array | None, bias: Array | None,
                         eps: float) -> tuple[Array, Array, Array, Array]:
        """Normalise ``x`` by its own per-channel statistics (over every dimension but 1):
        ``(out, mean, var, invstd)`` with the biased variance and ``invstd = 1 /
        sqrt(var + eps)`` (zeros for an empty batch); ``weight`` and ``bias`` may be
        ``None``."""
        return norm_kernels.batch_norm_train(self.xp, x, weight, bias, eps)

    def batch_norm(self, x: Array, mean: Array, invstd: Array, weight: Array | None,
                   bias: Array | None) -> Array:
        """``(x - mean) * invstd * weight + bias``, per channel, with given statistics (the
        running ones); ``weight`` and ``bias`` may be ``None``."""
        return norm_kernels.batch_norm(self.xp, x, mean, invstd, weight, bias)

    def batch_norm_backward(
        self, grad_out: Array, x: Array, mean: Array, invstd: Array, weight: Array | None,
        batch_stats: bool, needs: tuple[bool, bool, bool],
    ) -> tuple[Array | None, Array | None, Array | None]:
        """The gradients ``(dx, dweight, dbias)`` of :meth:`batch_norm`, those ``needs``
        asks for. With ``batch_stats`` the statistics are the batch's own (training), so
        ``dx`` includes their dependence on ``x``."""
        return norm_kernels.batch_norm_backward(self.xp, grad_out, x, mean, invstd, weight,
                                                batch_stats, needs)

    # --- classification loss and activation gradients --------------------------------
    def nll_terms(self, logp: Array, target: Array, pick: Array, spread: Array | None,
                  class_weight: Array | None, dim: int) -> Array:
        """Per position: ``pick * logp[target] + spread * sum_c class_weight_c * logp[c]``,
        the classes along ``dim``. See :mod:`minigrad.backends.loss_kernels`."""
        return loss_kernels.nll_terms(self.xp, logp, target, pick, spread, class_weight, dim)

    def nll_grad(self, coef: Array, logp_shape: tuple[int, ...], target: Array, pick: Array,
                 spread: Array | None, class_weight: Array | None, dim: int) -> Array:
        """The adjoint of :meth:`nll_terms` times ``-coef`` (a 0-d array, or one value per
        position): a new array of ``logp_shape``."""
        return loss_kernels.nll_grad(self.xp, coef, logp_shape, target, pick, spread,
                                     class_weight, dim)

    def relu_grad(self, grad_out: Array, y: Array) -> Array:
        """``grad_out`` where ``y != 0``, else 0 (``y`` is relu's output: positive, zero
        or NaN)."""
        return loss_kernels.relu_grad(self.xp, grad_out, y)

    def tanh_grad(self, grad_out: Array, y: Array) -> Array:
        """``grad_out * (1 - y * y)``."""
        return loss_kernels.tanh_grad(self.xp, grad_out, y)

    def sigmoid_grad(self, grad_out: Array, y: Array) -> Array:
        """``grad_out * y * (1 - y)``."""
        return loss_kernels.sigmoid_grad(self.xp, grad_out, y)

    # --- optimizer steps over lists of parameters (updated in place) -------------------
    def sgd_step(
        self, params: Sequence[Array], grads: Sequence[Array],
        buffers: Sequence[Array | None], *, lr: float, momentum: float, dampening: float,
        weight_decay: float, nesterov: bool, maximize: bool,
    ) -> list[Array | None]:
        """One SGD step for every parameter array, in place; returns the momentum buffers
        (new ones where ``buffers`` holds ``None``). See
        :func:`minigrad.backends.optim_kernels.sgd_step`."""
        return optim_kernels.sgd_step(
            self.xp, params, grads, buffers, lr=lr, momentum=momentum, dampening=dampening,
            weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)

    def adam_step(
        self, params: Sequence[Array], grads: Sequence[Array], exp_avgs: Sequence[Array],
        exp_avg_sqs: Sequence[Array], max_exp_avg_sqs: Sequence[Array | None],
        steps: Sequence[int], *, lr: float, beta1: float, beta2: float, eps: float,
        weight_decay: float, amsgrad: bool, maximize: bool, decoupled: bool,
    ) -> None:
        """One Adam (``decoupled``: AdamW) step for every parameter array, in place. See
        :func:`minigrad.backends.optim_kernels.adam_step`."""
        optim_kernels.adam_step(
            self.xp, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr=lr,
            beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, decoupled=decoupled)

    def pool2d(
        self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair, largest: bool = True,
        return_indices: bool = False,
    ) -> Any:
        """Window maxima (``largest``) or minima, and with ``return_indices`` also their
        flat ``h*W+w`` int64 indices (a ``(values, indices)`` pair).

        The first extremum in row-major window order wins ties; a window holding NaN gives
        NaN and the index of its first NaN.
        """
        return pool_kernels.pool2d(self.xp, x, kernel_size, stride, dilation, largest,
                                   return_indices)

    def pool2d_scatter(self, grad_out: Array, indices: Array, input_size: Pair) -> Array:
        """Scatter-add ``grad_out (N, C, oh, ow)`` into a zero ``(N, C, H, W)`` array at the
        flat plane ``indices``; repeated indices accumulate (adjoint of :meth:`pool2d_gather`)."""
        return pool_kernels.pool2d_scatter(self.xp, grad_out, indices, input_size)

    def pool2d_gather(self, x: Array, indices: Array) -> Array:
        """Read ``x (N, C, H, W)`` at flat plane ``indices (N, C, oh, ow)``."""
        return pool_kernels.pool2d_gather(self.xp, x, indices)

    def sum_pool2d(self, x: Array, kernel_size: Pair, stride: Pair, dilation: Pair) -> Array:
        """Sum over each window: ``(N, C, H, W) -> (N, C, oh, ow)`` (average and Lp pooling
        are built on it)."""
        return pool_kernels.sum_pool2d(self.xp, x, kernel_size, stride, dilation)

    def sum_pool2d_backward(
        self, grad_out: Array, input_size: Pair, kernel_size: Pair, stride: Pair, dilation: Pair
    ) -> Array:
        """Adjoint of :meth:`sum_pool2d`: every input position receives the sum of the
        gradients of the windows that contain it."""
        return pool_kernels.sum_pool2d_backward(
            self.xp, grad_out, input_size, kernel_size, stride, dilation
        )


def _floating(dtype: Any, what: str) -> numpy.dtype[Any]:
    dt: numpy.dtype[Any] = numpy.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{what} needs a floating dtype (float16/32/64), got {dt}")
    return dt


def _sampling_dtype(dt: numpy.dtype[Any]) -> numpy.dtype[Any]:
    """Generators only draw float32/float64: narrower floats are drawn as float32."""
    if dt.itemsize >= 4:
        return dt
    return numpy.dtype(numpy.float32)
