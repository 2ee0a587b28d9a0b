"""Normalisation by each sample's own statistics: group, instance and local response
normalisation.

Unlike batch normalisation these never mix the samples of a batch: ``group_norm``
normalises groups of channels of one sample, ``instance_norm`` each channel of one
sample (style transfer, GANs), and ``local_response_norm`` divides each activation by the
energy of its neighbouring channels (AlexNet). All are composites of reductions,
arithmetic, padding and average pooling.
"""

from __future__ import annotations

import math

from minigrad import references
from minigrad.autograd import no_grad
from minigrad.functional.padding import pad
from minigrad.functional.pooling import avg_pool2d
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor

_STATS = Arg((3,), "positive", requires_grad=False)


def _per_channel(name: str, t: Tensor | None, channels: int, input: Tensor, op: str) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(
            f"{op}: {name} must hold one value per channel ({channels}) of the input of shape "
            f"{input.shape}, got shape {t.shape}"
        )


def _affine(out: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    shape = (1, out.shape[1]) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _standardize(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(x - mean) / sqrt(var + eps)`` over ``dims``, with the mean and biased variance."""
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return centred * (var + eps).rsqrt(), mean, var


@op("group_norm", torch=True, functional=True,
    samples=[S((2, 6, 3), 3, (6,), (6,)), S((2, 4, 3, 3), 2), S((3, 4), 4, (4,), None),
             S((2, 6, 2, 2), 1, None, (6,), 1e-3, transposed=True)],
    reference=references.group_norm)
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalisation (Wu and He, 2018): each sample's channels are split into
    ``num_groups`` groups, each normalised by its own mean and variance; then an affine
    map per channel.

    Parameters
    ----------
    input : Tensor
        ``(N, C, *)``.
    num_groups : int
        Divides ``C``. One group is layer normalisation over ``(C, *)``; ``C`` groups
        is instance normalisation.
    weight, bias : Tensor, optional
        ``(C,)`` scale and shift.
    eps : float
        Added to the variance.

    Raises
    ------
    RuntimeError
        If ``C`` is not divisible by ``num_groups``, or weight/bias do not have ``C``
        elements.
    ValueError
        If a batch of one sample has a single value per group.

    Shape
    -----
    - input: ``(N, C, *)``
    - output: ``(N, C, *)``, the input's shape

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.group_norm(minigrad.randn(2, 6, 4, 4), 3).shape
    minigrad.Size([2, 6, 4, 4])
    """
    op = "group_norm"
    if input.ndim < 2:
        raise RuntimeError(f"{op}: expected an input of shape (N, C, *), got {input.shape}")
    n, channels = input.shape[:2]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(
            f"{op}: expected the number of channels of the input of shape {input.shape} to "
            f"be divisible by num_groups, but got num_groups={num_groups}"
        )
    per_group = channels // num_groups * math.prod(input.shape[2:])
    if n * per_group == 1:  # PyTorch's check: a lone value has no variance to normalise by
        raise ValueError(f"{op}: expected more than 1 value per group, got an input of shape "
                         f"{input.shape} in {num_groups} groups")
    for name, t in (("weight", weight), ("bias", bias)):
        _per_channel(name, t, channels, input, op)
    grouped = input.reshape(n, num_groups, per_group)
    out, _, _ = _standardize(grouped, (2,), eps)
    return _affine(out.reshape(input.shape), weight, bias)


@op("instance_norm", functional=True,
    samples=[S((2, 3, 5)), S((2, 3, 2, 2), _STATS, _STATS, (3,), (3,)),
             S((2, 3, 4), _STATS, _STATS, (3,), (3,), False, note="running statistics"),
             S((2, 3, 2, 3), None, None, None, (3,), transposed=True)],
    reference=references.instance_norm)
def instance_norm(
    input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
    weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
    momentum: float = 0.1, eps: float = 1e-5,
) -> Tensor:
    """Instance normalisation (Ulyanov et al., 2016): each channel of each sample is
    normalised by its own mean and variance over the spatial dimensions.

    With ``use_input_stats`` and running statistics given, these are updated in place as
    PyTorch does: ``running = (1 - momentum) * running + momentum * m``, where ``m`` is the
    batch's average of the per-instance means (unbiased variances). Without
    ``use_input_stats`` the running statistics normalise instead.

    Parameters
    ----------
    input : Tensor
        ``(N, C, *)`` with at least one spatial dimension (or ``(N, C)`` when normalised
        by the running statistics).
    running_mean, running_var : Tensor, optional
        ``(C,)`` running statistics.
    weight, bias : Tensor, optional
        ``(C,)`` scale and shift.
    use_input_stats : bool
        Normalise by each instance's statistics (else by the running ones).
    momentum : float
        Weight of the new statistics in the running ones.
    eps : float
        Added to the variance.

    Raises
    ------
    ValueError
        If the input has no spatial dimension or a channel has a single spatial element
        while using input statistics, or the running statistics are missing without
        ``use_input_stats``.
    RuntimeError
        If a statistic, weight or bias does not hold one value per channel.

    Shape
    -----
    - input: ``(N, C, *)``
    - output: ``(N, C, *)``, the input's shape

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> y = F.instance_norm(minigrad.randn(2, 3, 8, 8))
    >>> round(float(y[0, 1].mean()), 6) == 0.0
    True
    """
    op = "instance_norm"
    if input.ndim < (3 if use_input_stats else 2):  # (N, C) holds no instance to measure
        raise ValueError(f"{op}: expected an input of shape (N, C, *) with at least one "
                         f"spatial dimension, got {input.shape}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _per_channel(name, t, channels, input, op)
    dims = tuple(range(2, input.ndim))
    if use_input_stats:
        count = math.prod(input.shape[2:])
        if count == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got "
                             f"input size {input.shape}")
        out, mean, var = _standardize(input, dims, eps)
        # instances with no spatial elements have no statistics: PyTorch then leaves the
        # running ones as they are (an empty batch still makes them the mean of nothing)
        if running_mean is not None and running_var is not None and (
                count or input.shape[0] == 0):
            with no_grad():
                running_mean.mul_(1 - momentum).add_(
                    mean.reshape(mean.shape[:2]).mean(0), alpha=momentum)
                unbiased = var.reshape(var.shape[:2]).mean(0) * (count / (count - 1))
                running_var.mul_(1 - momentum).add_(unbiased, alpha=momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: running_mean and running_var are needed when not "
                             "using the input statistics")
        shape = (1, channels) + (1,) * (input.ndim - 2)
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    return _affine(out, weight, bias)


@op("local_response_norm", functional=True,
    samples=[S((2, 5, 3), 3), S((2, 6, 3, 2), 2, 0.1, 0.5, 2.0),
             S((1, 4, 2, 2, 2), 4, 0.05, transposed=True), S((2, 3, 4), 1, 1.0, 0.75)],
    reference=references.local_response_norm)
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Local response normalisation across channels (AlexNet): each element divided by
    ``(k + alpha / size * s) ** beta``, where ``s`` sums the squares of the ``size``
    neighbouring channels (``c - size // 2`` to ``c + (size - 1) // 2``, cut at the ends).

    Parameters
    ----------
    input : Tensor
        ``(N, C, *)`` with at least one spatial dimension.
    size : int
        The number of neighbouring channels.
    alpha, beta, k : float
        The scale, exponent and additive constant.

    Raises
    ------
    ValueError
        If the input has fewer than 3 dimensions.

    Shape
    -----
    - input: ``(N, C, *)``
    - output: ``(N, C, *)``, the input's shape

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.local_response_norm(minigrad.randn(2, 16, 5, 5), size=5).shape
    minigrad.Size([2, 16, 5, 5])
    """
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected 3D or higher dimensionality input "
                         f"(got {input.ndim} dimensions, shape {input.shape})")
    if input.numel() == 0:
        return input
    n, channels = input.shape[:2]
    # the channel windows as a (size x 1) average pooling of the squares, zero-padded
    squares = (input * input).reshape(n, 1, channels, -1)
    squares = pad(squares, (0, 0, size // 2, (size - 1) // 2))
    energy = avg_pool2d(squares, (size, 1), stride=1).reshape(input.shape)
    return input / (energy * alpha + k) ** beta
