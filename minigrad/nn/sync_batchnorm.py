"""``SyncBatchNorm``: batch normalisation whose batch statistics span all ranks.

With data-parallel training each rank sees ``B`` samples; a plain BatchNorm normalises
by the statistics of those ``B``, so ``N`` ranks x ``B`` does not compute what one
process with ``N * B`` samples would. ``SyncBatchNorm`` sums the per-channel sums (and
sample counts) over the ranks, then the per-channel sums of squared deviations from that
global mean, each with a differentiable all-reduce, so forward and backward are those of
one batch of all the ranks' samples (to rounding).
"""

from __future__ import annotations

from typing import Any

from minigrad import distributed
from minigrad.autograd import no_grad
from minigrad.distributed.functional import all_reduce as all_reduce_sum
from minigrad.functional.shape import cat
from minigrad.nn.module import Module
from minigrad.nn.normalization import _BatchNorm
from minigrad.tensor import Tensor

__all__ = ["SyncBatchNorm", "convert_sync_batchnorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over the whole distributed batch, for ``(N, C, *)`` inputs.

    The parameters are :class:`BatchNorm2d`'s. In training, with an initialized process
    group of more than one rank, the mean and variance per channel are computed over the
    samples of all ranks (ranks may have different batch sizes); otherwise (eval mode, no
    process group, one rank) it is exactly a BatchNorm. The running statistics are
    updated with the global statistics, so they stay the same on every rank.

    Every rank must call it the same number of times, in the same order (it
    communicates in forward and in backward).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> bn = nn.SyncBatchNorm(4)        # without a process group: a BatchNorm
    >>> bn(minigrad.randn(8, 4, 5, 5)).shape
    minigrad.Size([8, 4, 5, 5])
    """

    _expected_dims = tuple(range(2, 9))
    _layout = "an (N, C, *) input with at least 2 dimensions, e.g. a 4-D (N, C, H, W)"

    def forward(self, input: Tensor) -> Tensor:
        if not (self.training and distributed.is_initialized()
                and distributed.get_world_size() > 1):
            return super().forward(input)
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm expected at least 2D input (got {input.ndim}D "
                             "input)")
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"SyncBatchNorm({self.num_features}) got an input with {input.shape[1]} "
                f"channels (shape {input.shape})"
            )
        dims = (0, *range(2, input.ndim))
        shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
        local_count = input.numel() // input.shape[1]
        count = Tensor.from_array(input.backend.xp.asarray([local_count], input.dtype),
                                  input.backend)
        # one all-reduce for the sums and the sample count together
        totals = all_reduce_sum(cat([input.sum(dims), count]))
        total_count = int(totals[-1].item())
        if total_count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{input.shape} on this rank and {total_count} values in all"
            )
        mean = totals[:-1] / total_count
        centred = input - mean.reshape(shape)
        var = all_reduce_sum((centred * centred).sum(dims)) / total_count
        self._update_running_stats(mean, var, total_count)
        out = centred * (var.reshape(shape) + self.eps) ** -0.5
        if self.weight is not None:
            out = out * self.weight.reshape(shape)
        if self.bias is not None:
            out = out + self.bias.reshape(shape)
        return out

    def _update_running_stats(self, mean: Tensor, var: Tensor, count: int) -> None:
        if not self.track_running_stats:
            return
        with no_grad():
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
            else:
                factor = self.momentum
            new_mean = self.running_mean * (1 - factor) + mean.detach() * factor
            unbiased = var.detach() * (count / (count - 1))
            new_var = self.running_var * (1 - factor) + unbiased * factor
            self.running_mean.copy_(new_mean)
            self.running_var.copy_(new_var)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module) -> Module:
        """Replace every ``BatchNorm1d``/``BatchNorm2d`` in ``module`` by a
        ``SyncBatchNorm`` sharing its parameters, buffers and mode; returns the converted
        module (``module`` itself unless it is a BatchNorm).

        Examples
        --------
        >>> from minigrad import nn
        >>> net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
        >>> net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
        >>> type(net[1]).__name__
        'SyncBatchNorm'
        """
        return convert_sync_batchnorm(module)


def convert_sync_batchnorm(module: Module) -> Module:
    """See :meth:`SyncBatchNorm.convert_sync_batchnorm`."""
    converted: Any = module
    if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
        converted = SyncBatchNorm(module.num_features, module.eps, module.momentum,
                                  module.affine, module.track_running_stats)
        # share the tensors themselves, as PyTorch does: the optimizer keeps working
        if module.affine:
            converted.weight = module.weight
            converted.bias = module.bias
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            setattr(converted, name, getattr(module, name))
        converted.train(module.training)
    for name, child in list(module.named_children()):
        setattr(converted, name, convert_sync_batchnorm(child))
    return converted  # type: ignore[no-any-return]
