"""Layers that normalise by each sample's own statistics: ``GroupNorm``,
``InstanceNorm1d``, ``InstanceNorm2d`` and ``LocalResponseNorm`` (over
:mod:`minigrad.functional.per_sample_normalization`)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from minigrad import creation
from minigrad.functional import per_sample_normalization as norms
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "LocalResponseNorm"]


def _affine_parameters(module: Module, channels: int, affine: bool, bias: bool,
                       device: Any, dtype: Any) -> None:
    """``weight`` (ones) and ``bias`` (zeros) of ``channels`` elements, or ``None``."""
    if affine:
        module.weight = Parameter(creation.ones(channels, dtype=dtype, device=device))
        if bias:
            module.bias = Parameter(creation.zeros(channels, dtype=dtype, device=device))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


class GroupNorm(Module):
    """Group normalisation: each sample's ``num_channels`` channels in ``num_groups``
    groups, each group normalised by its own mean and variance, then a learned affine map
    per channel. It does not depend on the batch size, and behaves the same in training
    and eval mode.

    Parameters
    ----------
    num_groups : int
        Divides ``num_channels``.
    num_channels : int
        ``C``.
    eps : float
        Added to the variance.
    affine : bool
        Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
    bias : bool
        Whether the affine map has a bias (keyword only).

    Raises
    ------
    ValueError
        If ``num_channels`` is not divisible by ``num_groups``.

    Shape
    -----
    - input: ``(N, C, *)``
    - output: ``(N, C, *)``, the input's shape

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.GroupNorm(4, 32)(minigrad.randn(2, 32, 8, 8)).shape
    minigrad.Size([2, 32, 8, 8])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, num_channels, affine, bias, device, dtype)

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return norms.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class _InstanceNorm(Module):
    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, num_features, affine, bias, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype,
                                                                device=device))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype,
                                                              device=device))
            self.register_buffer("num_batches_tracked",
                                 creation.zeros((), dtype=numpy.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, weight 1 and bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        name = type(self).__name__
        unbatched = self._spatial + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"{name}: expected {unbatched}D or {unbatched + 1}D input (got "
                             f"{input.ndim}D input of shape {input.shape})")
        channel_dim = input.ndim - unbatched
        channels = input.shape[channel_dim]
        if channels != self.num_features:
            if self.affine:
                raise ValueError(
                    f"{name}: expected input's size at dim={channel_dim} to match "
                    f"num_features ({self.num_features}), but got: {channels}."
                )
            warnings.warn(
                f"{name}: input's size at dim={channel_dim} does not match num_features. You "
                "can silence this warning by not passing in num_features, which is not used "
                "because affine=False", UserWarning, stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        out = norms.instance_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if input.ndim == unbatched else out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)`` sequences: each channel of each sample
    normalised by its own mean and variance over ``L``.

    Parameters
    ----------
    num_features : int
        ``C``.
    eps : float
        Added to the variance.
    momentum : float or None
        Weight of the new statistics in the running ones.
    affine : bool
        Learn a per-channel ``weight`` and ``bias`` (off by default, unlike batch norm).
    track_running_stats : bool
        Keep running statistics (off by default) and use them in eval mode.
    bias : bool
        Whether the affine map has a bias (keyword only).

    Shape
    -----
    - input: ``(N, C, L)``, or ``(C, L)``
    - output: the input's shape
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)`` feature maps (style transfer, GANs).

    See :class:`InstanceNorm1d` for the parameters.

    Shape
    -----
    - input: ``(N, C, H, W)``, or ``(C, H, W)``
    - output: the input's shape

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.InstanceNorm2d(3, affine=True)(minigrad.randn(2, 3, 16, 16)).shape
    minigrad.Size([2, 3, 16, 16])
    """

    _spatial = 2


class LocalResponseNorm(Module):
    """Local response normalisation across neighbouring channels (AlexNet).

    Parameters
    ----------
    size : int
        The number of neighbouring channels summed over.
    alpha, beta, k : float
        ``x / (k + alpha / size * sum of squares) ** beta``.

    Shape
    -----
    - input: ``(N, C, *)``
    - output: the input's shape

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.LocalResponseNorm(5)(minigrad.randn(2, 16, 7, 7)).shape
    minigrad.Size([2, 16, 7, 7])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return norms.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
