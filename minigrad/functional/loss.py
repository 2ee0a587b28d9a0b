"""Loss functions. Every loss takes ``reduction``: ``"mean"`` (default), ``"sum"`` or
``"none"`` (one loss per element or sample).

``cross_entropy`` is ``nll_loss`` of the fused ``log_softmax`` node, so it keeps full
precision for large logits.
"""

from __future__ import annotations

import warnings

import numpy

from minigrad import references
from minigrad.autograd import Function
from minigrad.functional.activation import logsigmoid
from minigrad.functional.arithmetic import where
from minigrad.functional.operands import constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array

_REDUCTIONS = ("mean", "sum", "none")
_CLASSES = Arg((4,), "int", high=3, requires_grad=False)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _weighted_mean(loss: Tensor, weights: Tensor) -> Tensor:
    """``sum(loss) / sum(weights)``. When every target is ignored the loss is NaN, as in
    PyTorch, but the gradients are zero rather than NaN (the next optimizer step must not
    write NaN into the weights)."""
    total = weights.sum()
    if float(total) != 0:
        return loss.sum() / total
    return loss.sum() + float("nan")  # the gradient of sum() is finite: zeros times w = 0


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The ``reduction`` that PyTorch's deprecated ``size_average``/``reduce`` arguments
    ask for (with PyTorch's warning), or ``reduction`` when neither is given."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='mean' (or 'sum', 'none') instead.", UserWarning, stacklevel=3)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{name}: reduction must be one of 'mean', 'sum', 'none', got {reduction!r}"
        )


def _check_same_shape(input: Tensor, target: Tensor, name: str) -> Tensor:
    if target.shape != input.shape:
        try:
            numpy.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ValueError(
                f"{name}: target of shape {target.shape} does not match input of shape "
                f"{input.shape} and can't be broadcast to it"
            ) from None
        warnings.warn(
            f"{name}: using a target size {target.shape} that is different to the input size "
            f"{input.shape}; they will be broadcast, which is likely not what you want",
            UserWarning, stacklevel=3,
        )
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    return target


def _check_broadcasts_into(weight: Tensor, input: Tensor, what: str, name: str) -> None:
    """A per-element weight must broadcast to the loss's shape without enlarging it."""
    try:
        shape = numpy.broadcast_shapes(weight.shape, input.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise RuntimeError(
            f"{name}: {what} of shape {weight.shape} can't be broadcast to the input's shape "
            f"{input.shape}"
        )


# --- classification --------------------------------------------------------------------------
def _class_dim(input: Tensor, name: str) -> int:
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d tensor")
    return 0 if input.ndim == 1 else 1


def _check_targets(input: Tensor, target: Tensor, class_dim: int, name: str) -> None:
    expected = input.shape[:class_dim] + input.shape[class_dim + 1:]
    if target.shape != expected:
        raise ValueError(
            f"{name}: input of shape {input.shape} (classes along dimension {class_dim}) "
            f"needs class-index targets of shape {expected}, got {target.shape}"
        )


@op("nll_loss", functional=True,
    samples=[S((4, 3), _CLASSES), S((4, 3), _CLASSES, Arg((3,), "positive", requires_grad=False)),
             S((4, 3), _CLASSES, ignore_index=1), S((4, 3), _CLASSES, reduction="sum"),
             S((2, 3, 2), Arg((2, 2), "int", high=3), reduction="none"),
             S((4, 3), Arg((4,), "values", values=[1, 1, 1, 1]), ignore_index=1,
               note="every target ignored", grad=False)],
    reference=references.nll_loss)
def nll_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of the target classes, given log-probabilities.

    Parameters
    ----------
    input : Tensor
        Log-probabilities, ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
    target : Tensor
        int64 class indices in ``[0, C)``, of the input's shape without ``C``.
    weight : Tensor, optional
        A weight per class, ``(C,)``.
    ignore_index : int
        Targets equal to this contribute nothing (and are not counted by the mean).
    reduction : {"mean", "sum", "none"}
        ``"mean"`` divides by the summed weights of the counted targets.

    Raises
    ------
    ValueError
        For mismatched shapes or a bad ``reduction``.
    IndexError
        For a target outside ``[0, C)`` (other than ``ignore_index``).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    dim = _class_dim(input, "nll_loss")
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"nll_loss: target must hold integer class indices (int64), got {target.dtype}"
        )
    _check_targets(input, target, dim, "nll_loss")
    n_classes = input.shape[dim]
    if weight is not None and weight.shape != (n_classes,):
        raise ValueError(
            f"nll_loss: weight must have one entry per class ({n_classes},), got {weight.shape}"
        )
    xp = target.backend.xp
    t = target.array
    valid = t != ignore_index
    all_valid = bool(valid.all())
    safe = t if all_valid else xp.where(valid, t, 0)
    if safe.size and (int(safe.min()) < 0 or int(safe.max()) >= n_classes):
        bad = int(safe.min()) if int(safe.min()) < 0 else int(safe.max())
        raise IndexError(
            f"nll_loss: target {bad} is out of bounds for {n_classes} classes (expected "
            f"values in [0, {n_classes - 1}] or ignore_index={ignore_index})"
        )
    index = Tensor.from_array(xp.expand_dims(safe.astype(numpy.int64, copy=False), dim),
                              target.backend)
    picked = -input.gather(dim, index).squeeze(dim)
    if weight is None and all_valid:
        return _reduce(picked, reduction)
    w = constant(input, valid)
    if weight is not None:
        w = weight.detach().to(input.dtype)[Tensor.from_array(safe, target.backend)] * w
    loss = picked * w
    if reduction == "mean":
        return _weighted_mean(loss, w)
    return _reduce(loss, reduction)


@op("cross_entropy", functional=True,
    samples=[S((4, 3), _CLASSES), S((4, 3), _CLASSES, label_smoothing=0.1),
             S((4, 3), _CLASSES, Arg((3,), "positive", requires_grad=False), ignore_index=0),
             S((4, 3), Arg((4, 3), "positive"), note="probability targets"),
             S((2, 3, 2), Arg((2, 2), "int", high=3), reduction="none")],
    reference=references.cross_entropy)
def cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
    reduction: str = "mean", label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and targets, computed stably (log-softmax by logsumexp).

    Parameters
    ----------
    input : Tensor
        Unnormalised scores (logits): ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
    target : Tensor
        Either int64 class indices of the input's shape without ``C``, or class
        probabilities of the input's shape (floating).
    weight : Tensor, optional
        A weight per class, ``(C,)``.
    ignore_index : int
        With class-index targets, targets equal to this are skipped.
    reduction : {"mean", "sum", "none"}
        How to reduce the per-sample losses.
    label_smoothing : float
        In ``[0, 1]``: the target becomes ``(1 - s) * target + s / C``.

    Returns
    -------
    Tensor
        The loss (a scalar unless ``reduction="none"``).

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> logits = minigrad.tensor([[0.0, 0.0], [0.0, 0.0]])
    >>> round(float(F.cross_entropy(logits, minigrad.tensor([0, 1]))), 4)
    0.6931
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}"
        )
    dim = _class_dim(input, "cross_entropy")
    n_classes = input.shape[dim]
    logp = input.log_softmax(dim)
    w_shape = [1] * input.ndim
    w_shape[dim] = n_classes
    if target.dtype.kind == "f":
        if target.shape != input.shape:
            raise ValueError(
                f"cross_entropy: probability targets must have the input's shape "
                f"{input.shape}, got {target.shape}"
            )
        target = target.to(input.dtype)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target
        if weight is not None:
            prod = prod * weight.to(input.dtype).reshape(w_shape)
        loss = -prod.sum(dim)
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    if weight is not None:
        smooth = -(logp * weight.to(input.dtype).reshape(w_shape)).sum(dim)
    else:
        smooth = -logp.sum(dim)
    valid = target != ignore_index
    smooth = where(valid, smooth, 0.0)
    if reduction == "mean":
        if weight is not None:
            safe = where(valid, target, 0)
            denominator = (weight.detach().to(input.dtype)[safe] * valid.to(input.dtype)).sum()
        else:
            denominator = valid.sum().to(input.dtype)
        smoothed = smooth.sum() / denominator
    else:
        smoothed = _reduce(smooth, reduction)
    result: Tensor = nll * (1 - label_smoothing) + smoothed * (label_smoothing / n_classes)
    return result


# --- regression --------------------------------------------------------------------------------
@op("mse_loss", functional=True, samples=[S((3, 4), (3, 4)), S((5,), (5,), reduction="sum")],
    reference=lambda a, b, reduction="mean": references.reduce((a - b) ** 2, reduction))
def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)**2``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "mse_loss")
    target = _check_same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


@op("l1_loss", functional=True, samples=[S((3, 4), (3, 4)), S((5,), (5,), reduction="none")],
    reference=lambda a, b, reduction="mean": references.reduce(numpy.abs(a - b), reduction))
def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|input - target|``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "l1_loss")
    target = _check_same_shape(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


@op("smooth_l1_loss", functional=True,
    samples=[S((3, 4), (3, 4)), S((6,), (6,), reduction="sum", beta=0.5)],
    reference=references.smooth_l1_loss)
def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average: bool | None = None,
    reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0,
) -> Tensor:
    """Huber-like loss: ``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    target = _check_same_shape(input, target, "smooth_l1_loss")
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    # the square is taken of d clamped to beta: where the linear branch is used, the
    # quadratic one then has a zero (not inf * 0 = NaN) gradient for large d
    near = d.clamp(max=beta)
    loss = where(d < beta, near * near * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


# --- binary ---------------------------------------------------------------------------------------
_BCE_EPS = float(numpy.float32(1e-12))  # torch's EPSILON, which it rounds to float32


class BinaryCrossEntropy(Function):
    """Elementwise ``-(y log x + (1 - y) log(1 - x))``, logarithms clamped at -100.

    The gradient in ``x`` is torch's ``(x - y) / max(x (1 - x), 1e-12)``, which stays
    non-zero where ``x`` is exactly 0 or 1 (the clamped logarithms alone would give 0).
    The gradient in ``y`` is ``log(1 - x) - log(x)``, unclamped, as in torch.
    """

    def forward(ctx, x: Array, y: Array) -> Array:
        ctx.save(x, y)
        xp = ctx.xp
        floor = x.dtype.type(-100.0)
        with numpy.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), floor)
            log_1mx = xp.maximum(xp.log(1 - x), floor)
        return -(y * log_x + (1 - y) * log_1mx)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = g * (x - y) / (x * (1 - x)).clamp(min=_BCE_EPS)
        if ctx.needs_input_grad[1]:
            with numpy.errstate(divide="ignore"):  # unclamped: inf at 0 and 1, as in torch
                gy = g * ((1 - x).log() - x.log())
        return gx, gy


@op("binary_cross_entropy", BinaryCrossEntropy, functional=True,
    samples=[S(Arg((3, 4), "unit_positive"), Arg((3, 4), "unit_positive")),
             S(Arg((4,), "unit_positive"), Arg((4,), "unit_positive", requires_grad=False),
               Arg((4,), "positive", requires_grad=False), reduction="sum")],
    reference=references.binary_cross_entropy)
def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and ``target`` in ``[0, 1]``.

    The logarithms are clamped at -100, as in PyTorch, so the loss stays finite; the
    gradient is PyTorch's ``(input - target) / max(input (1 - input), 1e-12)``, so it is
    not zero where a probability is exactly 0 or 1.

    Raises
    ------
    ValueError
        If ``input`` has values outside ``[0, 1]`` or the shapes differ.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    if target.shape != input.shape:
        raise ValueError(
            f"binary_cross_entropy: target of shape {target.shape} must have the input's "
            f"shape {input.shape}"
        )
    if input.numel() and (float(input.array.min()) < 0 or float(input.array.max()) > 1):
        raise ValueError(
            "binary_cross_entropy: all elements of input should be probabilities in [0, 1]; "
            "for logits use binary_cross_entropy_with_logits"
        )
    target = target.to(input.dtype)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        _check_broadcasts_into(weight, input, "weight", "binary_cross_entropy")
        loss = loss * weight.to(input.dtype)
    return _reduce(loss, reduction)


@op("binary_cross_entropy_with_logits", functional=True,
    samples=[S((3, 4), Arg((3, 4), "unit_positive")),
             S((2, 3), Arg((2, 3), "unit_positive", requires_grad=False), reduction="sum",
               pos_weight=Arg((3,), "positive", requires_grad=False))],
    reference=references.binary_cross_entropy_with_logits)
def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid followed by binary cross-entropy, computed stably from logits.

    Parameters
    ----------
    pos_weight : Tensor, optional
        Weight of the positive term, broadcast along the last (class) dimension.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    if target.shape != input.shape:
        raise ValueError(
            f"binary_cross_entropy_with_logits: target of shape {target.shape} must have the "
            f"input's shape {input.shape}"
        )
    name = "binary_cross_entropy_with_logits"
    target = target.to(input.dtype)
    positive = target * logsigmoid(input)
    if pos_weight is not None:
        _check_broadcasts_into(pos_weight, input, "pos_weight", name)
        positive = positive * pos_weight.to(input.dtype)
    loss = -(positive + (1 - target) * logsigmoid(-input))
    if weight is not None:
        _check_broadcasts_into(weight, input, "weight", name)
        loss = loss * weight.to(input.dtype)
    return _reduce(loss, reduction)
