"""``DistributedDataParallel``: the same model on every rank, gradients averaged.

Each rank runs the wrapped module on its own share of the batch. Construction checks
that every rank built the same parameters and copies rank 0's parameters and buffers to
all ranks; a forward that records a graph broadcasts rank 0's buffers first and marks a
reduction as due; the next ``backward()`` ends with the gradients averaged over the
ranks (through the engine's after-backward callback), so every optimizer step is the
same on every rank and the replicas stay identical.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from minigrad.autograd import is_grad_enabled, register_backward_callback
from minigrad.distributed.process_group import group
from minigrad.nn.module import Module
from minigrad.nn.parallel.buckets import GradientBuckets, broadcast_tensors
from minigrad.tensor import Tensor

__all__ = ["DistributedDataParallel"]

_DEFAULT_BUCKET_CAP_MB = 25


def _check_devices(module: Module, device_ids: Sequence[Any] | None,
                   output_device: Any) -> None:
    backends = {p.backend for p in module.parameters()}
    if len(backends) > 1:
        raise ValueError(
            "DistributedDataParallel: the module's parameters are on several backends ("
            f"{', '.join(sorted(b.device for b in backends))}); put them on one"
        )
    device = next(iter(backends)).device
    if device_ids is not None and len(device_ids) > 1:
        raise ValueError("device_ids can only be None or contain a single element.")
    given = [*(device_ids or []), *([] if output_device is None else [output_device])]
    for d in given:
        name = d if isinstance(d, str) else f"cuda:{d}"
        if name != device:
            raise ValueError(
                f"DistributedDataParallel: device_ids={device_ids!r} and "
                f"output_device={output_device!r} must name the device the module is on "
                f"({device}); on the CPU leave them unset"
            )


def _check_same_model(module: Module) -> None:
    """Raise on every rank if some rank's parameters or buffers differ from rank 0's."""
    layout = [(kind, name, t.shape, t.dtype.str)
              for kind, named in (("parameter", module.named_parameters()),
                                  ("buffer", module.named_buffers()))
              for name, t in named]
    layouts = group().comm.allgather(layout)
    reference = layouts[0]
    for rank, other in enumerate(layouts[1:], start=1):
        for mine, theirs in zip(reference, other):
            if mine != theirs:
                kind, name, shape, dtype = theirs
                raise ValueError(
                    f"DistributedDataParallel: {kind} {name!r} has shape {shape} and dtype "
                    f"{dtype} on rank {rank}, but rank 0 has {mine[0]} {mine[1]!r} with "
                    f"shape {mine[2]} and dtype {mine[3]}; every rank must build the same "
                    "model"
                )
        if len(other) != len(reference):
            raise ValueError(
                f"DistributedDataParallel: rank {rank} has {len(other)} parameters and "
                f"buffers, rank 0 has {len(reference)}; every rank must build the same model"
            )


class DistributedDataParallel(Module):
    """Data-parallel training of ``module`` across the ranks of the process group.

    Parameters
    ----------
    module : Module
        The model, built the same way on every rank.
    device_ids, output_device : optional
        As in PyTorch: ``None`` for a CPU model; for a CuPy model at most the one GPU it
        is on.
    broadcast_buffers : bool
        Copy rank 0's buffers (BatchNorm running statistics) to all ranks at the start of
        each forward that records a graph.
    init_sync : bool
        Copy rank 0's parameters and buffers to all ranks now.
    bucket_cap_mb : float, optional
        Size of the gradient buckets in MiB (default 25).
    find_unused_parameters : bool
        Allow forwards that leave some parameters without a gradient.

    Raises
    ------
    ValueError
        If the process group is not initialized, the ranks' models differ (naming the
        first differing parameter), or ``device_ids`` do not match the module.
    RuntimeError
        If no parameter requires a gradient.

    Notes
    -----
    After ``loss.backward()`` every gradient is the mean over the ranks of the local
    gradients, as if one process had computed the loss averaged over all ranks' samples
    (for a loss that is a mean over the batch and equal batches per rank). Gradients are
    packed into flat buckets, in reverse order of registration, about
    ``bucket_cap_mb`` each, and each bucket is one all-reduce. Inside :meth:`no_sync`
    nothing is reduced and gradients accumulate locally; the next synchronised
    backward reduces the accumulated sums.

    Examples
    --------
    ```py
    dist.init_process_group()
    model = nn.parallel.DistributedDataParallel(LeNet5())
    loss = F.cross_entropy(model(images), labels)
    loss.backward()          # model.module's gradients are now averaged over the ranks
    optimizer.step()
    ```
    """

    def __init__(
        self, module: Module, device_ids: Sequence[Any] | None = None,
        output_device: Any = None, broadcast_buffers: bool = True, init_sync: bool = True,
        bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
    ) -> None:
        super().__init__()
        group()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps an nn.Module, got "
                            f"{type(module).__name__}")
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        _check_devices(module, device_ids, output_device)
        self.module = module
        self.device_ids = None if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap_mb * 1024 * 1024)
        _check_same_model(module)
        if init_sync:
            broadcast_tensors([*module.parameters(), *module.buffers()])
        self._buckets = GradientBuckets(named, self.bucket_bytes_cap, find_unused_parameters)
        self._require_backward_grad_sync = True
        self._reduction_pending = False
        handle = register_backward_callback(_after_backward_of(weakref.ref(self)), "after")
        weakref.finalize(self, handle.remove)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if is_grad_enabled() and self._require_backward_grad_sync:
            if self.broadcast_buffers:
                buffers = list(self.module.buffers())
                if buffers:
                    broadcast_tensors(buffers)
            self._reduction_pending = True
        return self.module(*inputs, **kwargs)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside this block, backward passes keep their gradients local (to accumulate
        over several batches); the first synchronised backward after it averages the
        accumulated gradients."""
        previous = self._require_backward_grad_sync
        self._require_backward_grad_sync = False
        try:
            yield
        finally:
            self._require_backward_grad_sync = previous

    def _reduce_gradients(self) -> None:
        if self._reduction_pending:
            self._reduction_pending = False
            self._buckets.reduce()

    def extra_repr(self) -> str:
        return f"bucket_cap_mb={self.bucket_bytes_cap / 2**20:g}"


def _after_backward_of(ref: weakref.ref[DistributedDataParallel]) -> Any:
    def after_backward(outputs: Sequence[Tensor]) -> None:
        model = ref()
        if model is not None:
            model._reduce_gradients()

    return after_backward
