"""Normalisation: batch normalisation (per channel) and layer normalisation (per sample)."""

from __future__ import annotations

from collections.abc import Sequence

from minigrad import references
from minigrad.autograd import no_grad
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor

_STATS = Arg((3,), "positive", requires_grad=False)


def _check_channels(name: str, t: Tensor | None, channels: int, input: Tensor) -> None:
    if t is not None and t.shape != (channels,):
        raise RuntimeError(
            f"batch_norm: {name} must have shape ({channels},), one value per channel of the "
            f"input of shape {input.shape}, got {t.shape}"
        )


@op("batch_norm", functional=True,
    samples=[S((4, 3), _STATS, _STATS, (3,), (3,), True),
             S((2, 3, 2, 2), _STATS, _STATS, (3,), (3,), True),
             S((2, 3, 2, 2), _STATS, _STATS, (3,), (3,), False),
             S((2, 3, 4), None, None, training=True)],
    reference=references.batch_norm)
def batch_norm(
    input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
    weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
    momentum: float = 0.1, eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dimension 1) by its batch statistics (``training``) or by
    the running statistics.

    In training the running statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` (the unbiased variance).

    Raises
    ------
    ValueError
        If training with a single value per channel, or without running statistics when
        not training.
    RuntimeError
        If a statistic, weight or bias does not hold one value per channel.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects an input of shape (N, C, *), got {input.shape}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channels(name, t, channels, input)
    shape = (1, channels) + (1,) * (input.ndim - 2)
    dims = (0, *range(2, input.ndim))
    if training:
        count = input.numel() // channels if channels else 0
        if count == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{input.shape}"
            )
        mean = input.mean(dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dims, keepdim=True)
        if running_mean is not None and running_var is not None and count > 1:
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean.reshape(-1), alpha=momentum)
                unbiased = var.reshape(-1) * (count / (count - 1))
                running_var.mul_(1 - momentum).add_(unbiased, alpha=momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: running_mean and running_var are needed when not training"
            )
        centred = input - running_mean.reshape(shape)
        var = running_var.reshape(shape)
    out = centred * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


@op("layer_norm", functional=True,
    samples=[S((3, 4), [4], (4,), (4,)), S((2, 3, 4), [3, 4]), S((2, 5), [5], None, (5,))],
    reference=references.layer_norm)
def layer_norm(
    input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
    bias: Tensor | None = None, eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing dimensions ``normalized_shape`` of each sample."""
    normalized = tuple(normalized_shape)
    k = len(normalized)
    if k == 0 or input.ndim < k or input.shape[input.ndim - k:] != normalized:
        raise RuntimeError(
            f"layer_norm: expected an input whose last dimensions are {normalized}, got "
            f"shape {input.shape}"
        )
    dims = tuple(range(input.ndim - k, input.ndim))
    centred = input - input.mean(dims, keepdim=True)
    var = (centred * centred).mean(dims, keepdim=True)
    out = centred * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out
