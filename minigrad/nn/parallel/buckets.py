"""Flat buffers for collectives over many tensors: gradient buckets and state packing.

One collective over a large flat buffer costs much less than one per tensor (each call
has a fixed latency), so gradients are copied into buckets of about ``cap_bytes``, one
per dtype and backend, reduced, and copied back. Every rank builds the same buckets from
the same parameter list, so the collectives line up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from minigrad.autograd import no_grad
from minigrad.distributed.collectives import reduce_array_
from minigrad.distributed.process_group import group
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Bucket", "GradientBuckets", "broadcast_tensors"]


@dataclass
class Bucket:
    """Parameters of one dtype and backend whose gradients travel in one buffer."""

    names: list[str] = field(default_factory=list)
    params: list[Parameter] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    size: int = 0
    extra: int = 0  # trailing slots: how many ranks gave each parameter a gradient
    buffer: Any = None

    def add(self, name: str, param: Parameter) -> None:
        self.names.append(name)
        self.params.append(param)
        self.offsets.append(self.size)
        self.size += param.numel()

    def nbytes(self) -> int:
        return self.size * self.params[0].dtype.itemsize if self.params else 0


class GradientBuckets:
    """Average the gradients of ``named_params`` over all ranks after a backward.

    Parameters
    ----------
    named_params : sequence of (str, Parameter)
        The parameters that require grad, in registration order (buckets are filled in
        reverse, as gradients become ready in backward).
    cap_bytes : int
        Size above which a new bucket is started.
    find_unused_parameters : bool
        Allow parameters that got no gradient on some ranks (they count as zero there;
        a parameter no rank used keeps ``grad=None``). Otherwise a missing gradient is
        an error on every rank.
    """

    def __init__(self, named_params: Sequence[tuple[str, Parameter]], cap_bytes: int,
                 find_unused_parameters: bool) -> None:
        self.find_unused_parameters = find_unused_parameters
        self._order = {name: i for i, (name, _) in enumerate(named_params)}
        self.buckets: list[Bucket] = []
        open_buckets: dict[tuple[int, Any], Bucket] = {}
        for name, param in reversed(list(named_params)):
            key = (id(param.backend), param.dtype)
            bucket = open_buckets.get(key)
            if bucket is None or (bucket.params and bucket.nbytes()
                                  + param.numel() * param.dtype.itemsize > cap_bytes):
                bucket = Bucket()
                open_buckets[key] = bucket
                self.buckets.append(bucket)
            bucket.add(name, param)
        # one slot per parameter, at the end of the last bucket: ranks that had a gradient
        self.buckets[-1].extra = sum(len(b.params) for b in self.buckets)
        for bucket in self.buckets:
            first = bucket.params[0]
            bucket.buffer = first.backend.xp.empty(bucket.size + bucket.extra, first.dtype)

    def reduce(self) -> None:
        """Replace every gradient by its average over the ranks (see the class doc)."""
        world_size = group().world_size
        flags = self.buckets[-1].buffer[self.buckets[-1].size:]
        slot = 0
        for bucket in self.buckets:
            for param, offset in zip(bucket.params, bucket.offsets):
                segment = bucket.buffer[offset: offset + param.numel()]
                if param.grad is None:
                    segment[...] = 0
                    flags[slot] = 0
                else:
                    segment[...] = param.grad.array.reshape(-1)
                    flags[slot] = 1
                slot += 1
        for bucket in self.buckets:
            reduce_array_(bucket.buffer)
        self._check_flags(flags, world_size)
        slot = 0
        for bucket in self.buckets:
            bucket.buffer[: bucket.size] /= world_size
            for param, offset in zip(bucket.params, bucket.offsets):
                if int(flags[slot]):
                    averaged = bucket.buffer[offset: offset + param.numel()].reshape(
                        param.shape)
                    _assign_grad(param, averaged)
                slot += 1

    def _check_flags(self, flags: Any, world_size: int) -> None:
        if self.find_unused_parameters:
            return
        names = [name for bucket in self.buckets for name in bucket.names]
        missing = sorted((name for name, count in zip(names, flags.tolist())
                          if count != world_size), key=self._order.__getitem__)
        if missing:
            raise RuntimeError(
                f"DistributedDataParallel: parameter {missing[0]!r} (and "
                f"{len(missing) - 1} more) received no gradient on some ranks in this "
                "backward. If the model does not use every parameter in each forward, "
                "pass find_unused_parameters=True; parameters that never need a gradient "
                "should have requires_grad=False"
            )


def _assign_grad(param: Parameter, averaged: Any) -> None:
    if param.grad is None:
        param.grad = Tensor.from_array(averaged.copy(), param.backend)
    else:
        with no_grad():
            param.grad.copy_(Tensor.from_array(averaged, param.backend))


def broadcast_tensors(tensors: Sequence[Tensor], src: int = 0) -> None:
    """Overwrite ``tensors`` on every rank with rank ``src``'s values (one broadcast per
    dtype and backend)."""
    current = group()
    groups: dict[tuple[int, Any], list[Tensor]] = {}
    for t in tensors:
        groups.setdefault((id(t.backend), t.dtype), []).append(t)
    for members in groups.values():
        xp = members[0].backend.xp
        flat = xp.concatenate([t.array.reshape(-1) for t in members])
        current.transport(flat).broadcast_(flat, src)
        start = 0
        with no_grad():
            for t in members:
                n = t.numel()
                t.copy_(Tensor.from_array(flat[start: start + n].reshape(t.shape), t.backend))
                start += n
