"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d`` and ``LayerNorm``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy

from minigrad import creation
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


class _BatchNorm(Module):
    _expected_dims: tuple[int, ...] = ()
    _layout = ""

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
        affine: bool = True, track_running_stats: bool = True, device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight: Parameter | None = Parameter(
                creation.ones(num_features, dtype=dtype, device=device)
            )
            self.bias: Parameter | None = Parameter(
                creation.zeros(num_features, dtype=dtype, device=device)
            )
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype,
                                                                device=device))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype,
                                                              device=device))
            self.register_buffer("num_batches_tracked", creation.zeros(
                (), dtype=numpy.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, batch count 0."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, weight 1 and bias 0."""
        self.reset_running_stats()
        if self.weight is not None and self.bias is not None:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in self._expected_dims:
            raise ValueError(
                f"{type(self).__name__} expects {self._layout} input, got shape {input.shape}"
            )
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) got an input with "
                f"{input.shape[1]} channels (shape {input.shape})"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input, self.running_mean if track else None, self.running_var if track else None,
            self.weight, self.bias, use_batch, factor, self.eps,
        )

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs over the batch (and length).

    In training it normalises by the batch statistics and updates the running mean and
    variance (buffers); in eval mode it uses the running statistics.

    Parameters
    ----------
    num_features : int
        ``C``.
    eps : float
        Added to the variance.
    momentum : float or None
        Weight of the new batch in the running statistics (``None``: cumulative average).
    affine : bool
        Learn a per-channel scale (``weight``) and shift (``bias``).
    track_running_stats : bool
        Keep running statistics; without them batch statistics are used in eval too.
    """

    _expected_dims = (2, 3)
    _layout = "a 2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` feature maps, per channel.

    See :class:`BatchNorm1d` for the parameters.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> bn = nn.BatchNorm2d(6)
    >>> out = bn(minigrad.randn(4, 6, 8, 8))
    >>> [name for name, _ in bn.named_buffers()]
    ['running_mean', 'running_var', 'num_batches_tracked']
    """

    _expected_dims = (4,)
    _layout = "a 4-D (N, C, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its last dimensions ``normalized_shape``.

    Parameters
    ----------
    normalized_shape : int or sequence of int
        The trailing shape to normalise over.
    eps : float
        Added to the variance.
    elementwise_affine : bool
        Learn an elementwise ``weight`` (ones) and ``bias`` (zeros).
    bias : bool
        Whether the affine part has a bias.
    """

    def __init__(
        self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
        elementwise_affine: bool = True, bias: bool = True, device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight: Parameter | None = Parameter(
                creation.ones(self.normalized_shape, dtype=dtype, device=device))
            if bias:
                self.bias: Parameter | None = Parameter(
                    creation.zeros(self.normalized_shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
