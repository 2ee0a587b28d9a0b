"""Loss functions. Every loss takes ``reduction``: ``"mean"`` (default), ``"sum"`` or
``"none"`` (one loss per element or sample).

``cross_entropy`` is the fused ``nll_loss`` node of the fused ``log_softmax`` node, so it
keeps full precision for large logits and is two nodes in the graph.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from minigrad import references
from minigrad.autograd import Function
from minigrad.functional.activation import logsigmoid
from minigrad.functional.arithmetic import where
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


class NllLoss(Function):
    """The negative log likelihood of class-index targets, with label smoothing, in one node.

    Per position ``i`` (sample, and pixel for spatial inputs) with target ``t_i``::

        loss_i = -(pick_i * logp[i, t_i] + spread_i * sum_c class_weight_c * logp[i, c])

    where ``pick_i`` is the target's weight (0 for an ignored target, times ``1 - s`` with
    label smoothing ``s``) and ``spread_i`` is ``s / C`` (0 when ignored); then ``"sum"``
    sums, ``"mean"`` multiplies the sum by ``scale`` (1 / the summed weights), ``"none"``
    keeps ``loss_i``. An ignored position (``kept_i`` false) has loss 0 whatever its
    log-probabilities, as in PyTorch (``0 * -inf`` would be NaN). The loss is linear in
    ``logp``, so its gradient is the adjoint map
    :class:`NllLossGrad`, whose own gradient is this map again: the pair is closed. The
    targets and weights are constants (attributes), prepared by :func:`nll_loss`.
    """

    def forward(ctx, logp: Array, target: Array = None, pick: Array = None,
                spread: Array = None, class_weight: Array = None, scale: Any = 1.0,
                reduction: str = "mean", dim: int = 1, kept: Array = None) -> Array:
        ctx.logp_shape = logp.shape
        # 0 * inf is NaN: at ignored targets (masked by kept), and when every target is
        # ignored (the mean's scale is inf)
        with numpy.errstate(invalid="ignore"):
            losses = -ctx.backend.nll_terms(logp, target, pick, spread, class_weight, dim)
            if kept is not None:
                losses = ctx.xp.where(kept, losses, 0)
            if reduction == "none":
                return losses
            return losses.sum() * scale if reduction == "mean" else losses.sum()

    def backward(ctx, g: Tensor) -> Tensor:
        return NllLossGrad.apply(g, logp_shape=ctx.logp_shape, **_finite(ctx))


def _finite(ctx: Function) -> dict[str, Any]:
    """The attributes of ``ctx`` with the mean's ``scale`` made finite: when no target
    counts (all ignored) the loss is NaN but its gradient is zero."""
    attrs = dict(ctx.attrs)
    scale = attrs.get("scale", 1.0)
    if attrs.get("reduction") == "mean":
        attrs["scale"] = ctx.xp.where(ctx.xp.isfinite(scale), scale, 0)
    return attrs


class NllLossGrad(Function):
    """The adjoint of :class:`NllLoss`: spreads the loss gradient ``g`` to ``-g_i * pick_i``
    at each target and ``-g_i * spread_i * class_weight_c`` over the classes (``g_i`` is
    ``g * scale`` for ``"mean"``, ``g`` for ``"sum"``, ``g[i]`` for ``"none"``)."""

    def forward(ctx, g: Array, logp_shape: tuple[int, ...] = (), target: Array = None,
                pick: Array = None, spread: Array = None, class_weight: Array = None,
                scale: Any = 1.0, reduction: str = "mean", dim: int = 1,
                kept: Array = None) -> Array:
        # kept needs no mask here: pick, and so the gradient, is 0 at ignored targets
        coef = g * scale if reduction == "mean" else g
        return ctx.backend.nll_grad(coef, logp_shape, target, pick, spread, class_weight, dim)

    def backward(ctx, gg: Tensor) -> Tensor:
        attrs = {k: v for k, v in ctx.attrs.items() if k != "logp_shape"}
        return NllLoss.apply(gg, **attrs)


def _prepare_targets(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                     dim: int, smoothing: float, name: str) -> dict[str, Any]:
    """The constant attributes of :class:`NllLoss` for these targets, with one check of
    the target range (a single transfer to the host on a GPU)."""
    xp = input.backend.xp
    n_classes = input.shape[dim]
    t = target.array
    valid = t != ignore_index
    out_of_range = (t < 0) | (t >= n_classes)
    out_of_range &= valid
    if out_of_range.size and bool(out_of_range.any()):
        bad = int(target.backend.to_numpy(t[out_of_range])[0])
        expected = (f"expected values in [0, {n_classes - 1}] or ignore_index={ignore_index}"
                    if n_classes else
                    f"the input has no classes; only ignore_index={ignore_index} is allowed")
        raise IndexError(
            f"{name}: target {bad} is out of bounds for {n_classes} classes ({expected})"
        )
    safe = xp.where(valid, t, 0).astype(numpy.int64, copy=False)
    mask = valid.astype(input.dtype)
    pick = mask if weight is None else weight.array.astype(input.dtype)[safe] * mask
    counted = pick.sum()
    with numpy.errstate(divide="ignore"):
        scale = xp.divide(1, counted)
    spread = None
    if smoothing:
        pick = pick * (1 - smoothing)
        spread = mask * (smoothing / n_classes)
    return {"target": safe, "pick": pick, "kept": valid,
            "spread": spread, "scale": scale,
            "class_weight": None if weight is None or spread is None
            else weight.array.astype(input.dtype)}


def _class_loss(logp: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                reduction: str, smoothing: float, name: str) -> Tensor:
    """:class:`NllLoss` of log-probabilities ``logp`` for class-index targets (checked)."""
    dim = _class_dim(logp, name)
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: target must hold integer class indices (int64), got {target.dtype}"
        )
    _check_targets(logp, target, dim, name)
    n_classes = logp.shape[dim]
    if weight is not None and weight.shape != (n_classes,):
        raise ValueError(
            f"{name}: weight must have one entry per class ({n_classes},), got {weight.shape}"
        )
    if target.backend is not logp.backend:
        raise RuntimeError(f"{name}: target is on backend {target.backend.name!r} but the "
                           f"input is on {logp.backend.name!r}")
    attrs = _prepare_targets(logp, target, None if weight is None else weight.detach(),
                             ignore_index, dim, smoothing, name)
    out: Tensor = NllLoss.apply(logp, reduction=reduction, dim=dim, **attrs)
    return out


_ALL_IGNORED = Arg((4,), "values", values=[1, 1, 1, 1])
# fixed targets where some are ignored: random ones are all ignored once in 81 draws
_SOME_IGNORED = Arg((4,), "values", values=[0, 1, 2, 1])


@op("nll_loss", NllLoss, NllLossGrad, functional=True,
    samples=[S((4, 3), _CLASSES), S((4, 3), _CLASSES, Arg((3,), "positive", requires_grad=False)),
             S((4, 3), _SOME_IGNORED, ignore_index=1), S((4, 3), _CLASSES, reduction="sum"),
             S((2, 3, 2), Arg((2, 2), "int", high=3), reduction="none"),
             S((3,), Arg((), "values", values=2), note="one sample, no batch dimension"),
             S((4, 3), _ALL_IGNORED, ignore_index=1, note="every target ignored", grad=False),
             S((0, 3), Arg((0,), "int", high=3), reduction="sum", note="empty batch")],
    reference=references.nll_loss)
def nll_loss(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of the target classes, given log-probabilities; one node.

    Parameters
    ----------
    input : Tensor
        Log-probabilities, ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
    target : Tensor
        int64 class indices in ``[0, C)``, of the input's shape without ``C``.
    weight : Tensor, optional
        A weight per class, ``(C,)`` (a constant: it gets no gradient, as in PyTorch).
    ignore_index : int
        Targets equal to this contribute nothing (and are not counted by the mean).
    reduction : {"mean", "sum", "none"}
        ``"mean"`` divides by the summed weights of the counted targets. When every target
        is ignored the mean is NaN, as in PyTorch, and the gradient is zero.

    Raises
    ------
    ValueError
        For mismatched shapes or a bad ``reduction``.
    TypeError
        For targets that are not integers.
    IndexError
        For a target outside ``[0, C)`` (other than ``ignore_index``).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    return _class_loss(input, target, weight, ignore_index, reduction, 0.0, "nll_loss")


@op("cross_entropy", functional=True,
    samples=[S((4, 3), _CLASSES), S((4, 3), _CLASSES, label_smoothing=0.1),
             S((4, 3), _SOME_IGNORED, Arg((3,), "positive", requires_grad=False),
               ignore_index=2),
             S((4, 3), _SOME_IGNORED, Arg((3,), "positive", requires_grad=False), ignore_index=1,
               label_smoothing=0.2, note="weights, ignored targets and smoothing"),
             S((4, 3), Arg((4, 3), "positive"), note="probability targets"),
             S((2, 3, 2), Arg((2, 2), "int", high=3), reduction="none"),
             S((4, 3), _ALL_IGNORED, ignore_index=1, label_smoothing=0.1,
               note="every target ignored, smoothed", grad=False),
             S((0, 0), Arg((0,), "int", high=1), reduction="sum", note="no classes")],
    reference=references.cross_entropy)
def cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
    reduction: str = "mean", label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and targets, computed stably (log-softmax by logsumexp).

    With class-index targets it is two nodes: the fused ``log_softmax`` (from the
    max-shifted logits) and the fused :func:`nll_loss`, label smoothing included.

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
    if target.dtype.kind != "f":
        loss = _class_loss(logp, target, weight, ignore_index, reduction,
                           label_smoothing if n_classes else 0.0, "cross_entropy")
        if not n_classes and label_smoothing > 0 and reduction != "none":
            return loss + float("nan")  # PyTorch's smoothing term divides 0 by C = 0
        return loss
    if target.shape != input.shape:
        raise ValueError(
            f"cross_entropy: probability targets must have the input's shape "
            f"{input.shape}, got {target.shape}"
        )
    target = target.to(input.dtype)
    if label_smoothing > 0 and n_classes:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        w_shape = [1] * input.ndim
        w_shape[dim] = n_classes
        prod = prod * weight.to(input.dtype).reshape(w_shape)
    loss = -prod.sum(dim)
    if reduction == "mean" and not n_classes:
        return loss.sum() + float("nan")  # PyTorch divides by numel / C = 0 / 0
    return _reduce(loss, reduction)


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
