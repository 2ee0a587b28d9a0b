"""Normalisation: batch normalisation (per channel) and layer normalisation (per sample)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import references
from minigrad.autograd import Function, is_grad_enabled, no_grad
from minigrad.backends.norm_kernels import (
    channel_count,
    channel_shape,
    inverse_std,
    reduced_dims,
)
from minigrad.functional.operands import floating
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array

_STATS = Arg((3,), "positive", requires_grad=False)


class BatchNorm(Function):
    """Batch normalisation in one node: ``(x - mean) * invstd * weight + bias`` per channel.

    The inputs are ``x``, then ``weight`` and ``bias`` when ``affine`` says they are there,
    then, when not ``training``, the running mean and variance (constants). In training the
    node has three outputs: the result and, for the running statistics, the batch's mean and
    biased variance (not differentiable).

    Backward, when no graph of the gradient is recorded, is one call of the backend's
    ``batch_norm_backward`` (the usual training step). With ``create_graph=True`` it is the
    same formula written in tensor ops, with the batch statistics recomputed from the saved
    input so that the gradient of the gradient sees how they depend on ``x``.
    """

    def forward(ctx, x: Array, *params: Array, training: bool = False, eps: float = 1e-5,
                affine: tuple[bool, bool] = (False, False)) -> Any:
        rest = list(params)
        weight = rest.pop(0) if affine[0] else None
        bias = rest.pop(0) if affine[1] else None
        if training:
            out, mean, var, invstd = ctx.backend.batch_norm_train(x, weight, bias, eps)
        else:
            mean = rest[0].copy()  # the running statistics, as they are now
            invstd = inverse_std(ctx.xp, rest[1], eps)
            out = ctx.backend.batch_norm(x, mean, invstd, weight, bias)
        needs = ctx.needs_input_grad
        if any(needs):
            ctx.save(x, weight, mean, invstd)
        return (out, mean, var) if training else out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, mean, invstd = ctx.saved
        assert x is not None and mean is not None and invstd is not None
        has_weight, has_bias = ctx.attrs.get("affine", (False, False))
        needs = ctx.needs_input_grad
        wanted = (needs[0], has_weight and needs[1], has_bias and needs[1 + has_weight])
        training = ctx.attrs.get("training", False)
        if is_grad_enabled():
            dx, dweight, dbias = _batch_norm_grads(g, x, weight, mean, invstd, training,
                                                   ctx.attrs.get("eps", 1e-5), wanted)
        else:
            arrays = ctx.backend.batch_norm_backward(
                g.array, x.array, mean.array, invstd.array,
                None if weight is None else weight.array, training, wanted)
            dx, dweight, dbias = (None if a is None else Tensor.from_array(a, ctx.backend)
                                  for a in arrays)
        grads: list[Tensor | None] = [dx]
        if has_weight:
            grads.append(dweight)
        if has_bias:
            grads.append(dbias)
        return tuple(grads) + (None,) * (len(needs) - len(grads))


def _batch_norm_grads(g: Tensor, x: Tensor, weight: Tensor | None, mean: Tensor,
                      invstd: Tensor, training: bool, eps: float, wanted: tuple[bool, ...]
                      ) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    """The gradients of :class:`BatchNorm` in tensor ops (differentiable again)."""
    dims = reduced_dims(x.ndim)
    shape = channel_shape(x)
    if training:  # the statistics as functions of x
        count = channel_count(x.shape)
        centred = x - x.mean(dims, keepdim=True) if count else x
        invstd = ((centred * centred).mean(dims, keepdim=True) + eps).rsqrt() if count \
            else invstd.reshape(shape)
    else:
        centred = x - mean.reshape(shape)
        invstd = invstd.reshape(shape)
    xhat = centred * invstd
    sum_g = g.sum(dims, keepdim=True)
    sum_gx = (g * xhat).sum(dims, keepdim=True)
    dx = None
    if wanted[0]:
        scale = invstd if weight is None else invstd * weight.reshape(shape)
        if training and count:
            dx = (g - sum_g / count - xhat * (sum_gx / count)) * scale
        else:
            dx = g * scale
    return (dx, sum_gx.reshape(-1) if wanted[1] else None,
            sum_g.reshape(-1) if wanted[2] else None)


def _check_channels(name: str, t: Tensor | None, channels: int, input: Tensor) -> None:
    if t is not None and t.shape != (channels,):
        raise RuntimeError(
            f"batch_norm: {name} must have shape ({channels},), one value per channel of the "
            f"input of shape {input.shape}, got {t.shape}"
        )


@op("batch_norm", BatchNorm, functional=True,
    samples=[S((4, 3), _STATS, _STATS, (3,), (3,), True),
             S((2, 3, 2, 2), _STATS, _STATS, (3,), (3,), True),
             S((2, 3, 2, 2), _STATS, _STATS, (3,), (3,), False),
             S((2, 3, 4), None, None, training=True),
             S((2, 3, 3), _STATS, _STATS, None, (3,), False, note="eval, bias only"),
             S((3, 2, 2, 3), None, None, (2,), None, True, transposed=True,
               note="training, weight only, strided"),
             S((0, 3, 2, 2), _STATS, _STATS, (3,), (3,), True, note="empty batch"),
             S((2, 3, 0, 2), None, None, (3,), (3,), True, note="empty plane")],
    reference=references.batch_norm)
def batch_norm(
    input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
    weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
    momentum: float = 0.1, eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dimension 1) by its batch statistics (``training``) or by
    the running statistics, then scale by ``weight`` and shift by ``bias``; one graph node.

    In training the running statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` (the unbiased variance). An
    empty batch (``N = 0`` or an empty plane) gives an empty result and leaves the running
    statistics as they are, as in PyTorch.

    Raises
    ------
    ValueError
        If training with a single value per channel, or without running statistics when
        not training.
    RuntimeError
        If a statistic, weight or bias does not hold one value per channel, or a running
        statistic requires grad (batch norm is not differentiable in them).
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects an input of shape (N, C, *), got {input.shape}")
    input = floating(input)
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channels(name, t, channels, input)
        if name.startswith("running") and t is not None and t.requires_grad \
                and is_grad_enabled():
            raise RuntimeError(
                f"batch_norm is not differentiable with respect to {name}; it must not "
                "require grad (detach it, or register it as a buffer)"
            )
    params = [p if p.dtype == input.dtype else p.to(input.dtype)
              for p in (weight, bias) if p is not None]
    affine = (weight is not None, bias is not None)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: running_mean and running_var are needed when not training"
            )
        # no detach: they may not require grad (checked above), and ONNX export knows
        # the buffers themselves
        stats = [s.to(input.dtype) for s in (running_mean, running_var)]
        out: Tensor = BatchNorm.apply(input, *params, *stats, training=False, eps=eps,
                                      affine=affine)
        return out
    count = channel_count(input.shape)
    if count == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{input.shape}"
        )
    result: Any = BatchNorm.apply(input, *params, training=True, eps=eps, affine=affine)
    out, mean, var = result
    if running_mean is not None and running_var is not None and count > 1:
        with no_grad():
            running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype), alpha=momentum)
            unbiased = var.to(running_var.dtype) * (count / (count - 1))
            running_var.mul_(1 - momentum).add_(unbiased, alpha=momentum)
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
