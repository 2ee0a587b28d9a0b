"""The fused nodes (batch norm, the classification loss, relu/tanh/sigmoid from their
outputs), max pooling's indices and the foreach optimizer steps: what the generic op-table
tests do not show. The graphs they make, their edge cases against PyTorch (empty inputs,
every target ignored, extreme logits), the agreement of batch norm's two backward paths,
and the foreach steps against the per-parameter formulas, bit for bit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.functional.activation import LogSoftmax, Relu, ReluGrad
from minigrad.functional.loss import NllLoss, NllLossGrad
from minigrad.functional.normalization import BatchNorm

f64 = minigrad.float64


def host(t: minigrad.Tensor) -> numpy.ndarray[Any, Any]:
    return t.detach().numpy()


# --- the graphs ---------------------------------------------------------------------------
def test_cross_entropy_is_two_nodes_and_batch_norm_one() -> None:
    x = minigrad.randn(4, 3, requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor([0, 2, 1, 1]), label_smoothing=0.1)
    assert isinstance(loss.grad_fn, NllLoss)
    assert [type(p) for p in loss.grad_fn.parents] == [LogSoftmax]
    upstream = minigrad.tensor(1.0, requires_grad=True)
    (grad,) = minigrad.grad(loss, x, upstream, create_graph=True)
    assert isinstance(grad.grad_fn.parents[0], NllLossGrad)  # the adjoint, then log_softmax's
    images = minigrad.randn(2, 3, 4, 4, requires_grad=True)
    bn = nn.BatchNorm2d(3)
    out = bn(images)
    assert isinstance(out.grad_fn, BatchNorm) and out.grad_fn.parents[0] is images


def test_relu_keeps_its_output_not_a_mask() -> None:
    x = minigrad.randn(3, 4, requires_grad=True)
    y = F.relu(x)
    assert isinstance(y.grad_fn, Relu)
    (saved,) = y.grad_fn.saved_tensors
    assert saved is y  # no extra array: the output the next layer keeps anyway
    (g,) = minigrad.grad(y.sum(), x, create_graph=True)
    assert isinstance(g.grad_fn, ReluGrad)
    numpy.testing.assert_array_equal(host(g), host(x) > 0)
    # a NaN stays NaN and passes its gradient, as in torch.relu
    z = minigrad.tensor([float("nan"), -1.0, 0.0, 2.0], requires_grad=True)
    F.relu(z).sum().backward()
    assert math.isnan(F.relu(z).detach()[0].item())
    numpy.testing.assert_array_equal(host(z.grad), [1.0, 0.0, 0.0, 1.0])
    torch = pytest.importorskip("torch")
    tz = torch.tensor([float("nan"), -1.0, 0.0, 2.0], requires_grad=True)
    torch.relu(tz).sum().backward()
    numpy.testing.assert_array_equal(tz.grad.numpy(), [1.0, 0.0, 0.0, 1.0])


# --- batch norm -----------------------------------------------------------------------------
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_backward_paths_agree(training: bool, affine: bool) -> None:
    """The backend kernel (first-order backward) and the tensor-op formula (used when a
    graph of the gradient is recorded) give the same gradients."""
    rng = numpy.random.default_rng(0)
    x = minigrad.tensor(rng.standard_normal((4, 3, 5, 2)) * 3 + 2, requires_grad=True)
    w = minigrad.tensor(rng.uniform(0.5, 2, 3), requires_grad=True) if affine else None
    b = minigrad.tensor(rng.standard_normal(3), requires_grad=True) if affine else None
    stats = [minigrad.tensor(rng.standard_normal(3)), minigrad.tensor(rng.uniform(1, 2, 3))]
    gy = minigrad.tensor(rng.standard_normal((4, 3, 5, 2)))
    inputs = [t for t in (x, w, b) if t is not None]

    def grads(create_graph: bool) -> list[numpy.ndarray[Any, Any]]:
        out = F.batch_norm(x, *stats, w, b, training=training, momentum=0.0)
        return [host(g) for g in minigrad.grad(out, inputs, gy, create_graph=create_graph)]

    for fast, composite in zip(grads(False), grads(True)):
        numpy.testing.assert_allclose(fast, composite, rtol=1e-10, atol=1e-12)


def test_batch_norm_matches_torch_in_float32_with_a_large_mean() -> None:
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(1)
    data = (rng.standard_normal((8, 4, 6, 6)) * 0.5 + 300).astype(numpy.float32)
    gy = rng.standard_normal(data.shape).astype(numpy.float32)
    ours, theirs = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    x, tx = minigrad.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours(x).backward(minigrad.tensor(gy))
    theirs(tx).backward(torch.tensor(gy))
    numpy.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-3, atol=2e-4)
    numpy.testing.assert_allclose(host(ours.running_var), theirs.running_var.numpy(),
                                  rtol=1e-4)
    numpy.testing.assert_allclose(host(ours.weight.grad), theirs.weight.grad.numpy(),
                                  rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("shape", [(0, 3, 4, 4), (2, 3, 0, 4), (0, 3), (0, 3, 5)], ids=str)
def test_batch_norm_on_an_empty_batch_is_as_in_torch(shape: tuple[int, ...]) -> None:
    x = minigrad.randn(*shape, requires_grad=True)
    bn = nn.BatchNorm2d(3) if len(shape) == 4 else nn.BatchNorm1d(3)
    bn.weight.grad = None
    out = bn(x)
    assert out.shape == shape
    out.sum().backward()
    assert x.grad.shape == shape
    numpy.testing.assert_array_equal(host(bn.weight.grad), [0.0, 0.0, 0.0])
    numpy.testing.assert_array_equal(host(bn.bias.grad), [0.0, 0.0, 0.0])
    numpy.testing.assert_array_equal(host(bn.running_mean), [0.0, 0.0, 0.0])  # unchanged
    numpy.testing.assert_array_equal(host(bn.running_var), [1.0, 1.0, 1.0])
    torch = pytest.importorskip("torch")
    theirs = (torch.nn.BatchNorm2d(3) if len(shape) == 4 else torch.nn.BatchNorm1d(3))
    theirs(torch.zeros(shape)).sum().backward()
    numpy.testing.assert_array_equal(theirs.running_var.numpy(), [1.0, 1.0, 1.0])
    numpy.testing.assert_array_equal(theirs.weight.grad.numpy(), [0.0, 0.0, 0.0])


def test_batch_norm_errors() -> None:
    x = minigrad.randn(4, 3, 2, 2)
    mean = minigrad.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to running_mean"):
        F.batch_norm(x, mean, minigrad.ones(3), training=True)
    with minigrad.no_grad():  # nothing is recorded: allowed
        F.batch_norm(x, mean, minigrad.ones(3), training=False)
    with pytest.raises(RuntimeError, match=r"weight must have shape \(3,\)"):
        F.batch_norm(x, None, None, minigrad.ones(2), training=True)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.batch_norm(minigrad.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        F.batch_norm(x, None, None, training=False)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="not differentiable with respect to"):
        torch.nn.functional.batch_norm(torch.zeros(4, 3), torch.zeros(3, requires_grad=True),
                                       torch.ones(3), training=True)


def test_batch_norm_saved_tensors_are_freed_by_backward() -> None:
    x = minigrad.randn(4, 3, 2, 2, requires_grad=True)
    out = F.batch_norm(x, None, None, training=True)
    node = out.grad_fn
    out.sum().backward()
    assert node._saved is None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()


# --- the classification loss -----------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.2}, {"weight": [1.0, 2.0, 0.5]},
                                    {"weight": [1.0, 2.0, 0.5], "label_smoothing": 0.1}],
                         ids=["plain", "smoothed", "weighted", "weighted-smoothed"])
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_every_target_ignored_gives_nan_loss_and_zero_gradients(fn: str,
                                                                kwargs: dict[str, Any]) -> None:
    if fn == "nll_loss" and "label_smoothing" in kwargs:
        pytest.skip("nll_loss has no label smoothing")
    options = dict(kwargs)
    if "weight" in options:
        options["weight"] = minigrad.tensor(options["weight"])
    x = minigrad.randn(4, 3, requires_grad=True)
    target = minigrad.tensor([-100, -100, -100, -100])
    loss = getattr(F, fn)(x, target, **options)
    assert math.isnan(loss.item())
    loss.backward()
    numpy.testing.assert_array_equal(host(x.grad), numpy.zeros((4, 3)))
    torch = pytest.importorskip("torch")
    theirs = dict(kwargs)
    if "weight" in theirs:
        theirs["weight"] = torch.tensor(theirs["weight"])
    assert math.isnan(getattr(torch.nn.functional, fn)(
        torch.randn(4, 3), torch.full((4,), -100), **theirs).item())


def test_cross_entropy_keeps_the_precision_of_the_shifted_logits() -> None:
    x = minigrad.tensor([[1e4, 1e4 + 1, 1e4 + 2, 1e4 + 3]])  # float32
    assert F.cross_entropy(x, minigrad.tensor([3])).item() == pytest.approx(0.44019, abs=2e-5)
    huge = minigrad.tensor([[1e308, 1e308]], dtype=f64, requires_grad=True)
    loss = F.cross_entropy(huge, minigrad.tensor([1]))
    assert loss.item() == pytest.approx(math.log(2))
    loss.backward()
    numpy.testing.assert_allclose(host(huge.grad), [[0.5, -0.5]])


@pytest.mark.parametrize("case", [
    ((0, 0), "int", "mean"), ((0, 0), "int", "sum"), ((0, 0), "int", "none"),
    ((0, 3), "int", "mean"), ((4, 0), "ignored", "mean"), ((4, 0), "probs", "mean"),
    ((4, 0), "probs", "sum"), ((0, 3, 2), "int", "mean"),
], ids=str)
def test_cross_entropy_with_no_classes_or_no_samples_is_as_in_torch(case: Any) -> None:
    torch = pytest.importorskip("torch")
    shape, kind, reduction = case
    target_shape = shape[:1] + shape[2:]
    if kind == "probs":
        ours_t, theirs_t = minigrad.zeros(*shape), torch.zeros(shape)
    else:
        fill = -100 if kind == "ignored" else 0
        ours_t = minigrad.full(target_shape, fill, dtype=minigrad.int64)
        theirs_t = torch.full(target_shape, fill, dtype=torch.int64)
    x = minigrad.zeros(*shape, requires_grad=True)
    ours = F.cross_entropy(x, ours_t, reduction=reduction, label_smoothing=0.1)
    theirs = torch.nn.functional.cross_entropy(torch.zeros(shape), theirs_t,
                                               reduction=reduction, label_smoothing=0.1)
    assert ours.shape == tuple(theirs.shape)
    numpy.testing.assert_array_equal(host(ours), theirs.numpy())
    ours.sum().backward()
    assert x.grad.shape == shape


def test_targets_out_of_range_are_refused_by_name() -> None:
    with pytest.raises(IndexError, match=r"cross_entropy: target 0 is out of bounds for 0 "
                                         r"classes \(the input has no classes; only "
                                         r"ignore_index=-100 is allowed\)"):
        F.cross_entropy(minigrad.zeros(4, 0), minigrad.tensor([0, 0, 0, 0]))
    with pytest.raises(IndexError, match="nll_loss: target -1 is out of bounds for 3 classes "
                                         r"\(expected values in \[0, 2\] or ignore_index=5\)"):
        F.nll_loss(minigrad.zeros(2, 3), minigrad.tensor([2, -1]), ignore_index=5)
    torch = pytest.importorskip("torch")
    with pytest.raises(IndexError, match="out of bounds"):
        torch.nn.functional.cross_entropy(torch.zeros(4, 0), torch.zeros(4, dtype=torch.long))


def test_nll_loss_weights_get_no_gradient_as_in_torch() -> None:
    w = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = minigrad.randn(4, 3, requires_grad=True)
    F.nll_loss(x, minigrad.tensor([0, 1, 2, 1]), w).backward()
    assert w.grad is None and x.grad is not None


# --- max pooling's indices --------------------------------------------------------------------
@pytest.mark.parametrize("geometry", [
    {"kernel_size": 2}, {"kernel_size": 3, "stride": 1}, {"kernel_size": 3, "stride": 2,
                                                          "padding": 1},
    {"kernel_size": 2, "dilation": 2, "stride": 1}], ids=str)
@pytest.mark.parametrize("with_nan", [False, True])
def test_max_pool_indices_ties_and_nan_as_in_torch(geometry: dict[str, Any],
                                                    with_nan: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(2)
    data = rng.integers(-2, 3, (2, 3, 7, 8)).astype(numpy.float64)  # many ties
    if with_nan:
        data[0, 1, 2, 3] = data[1, 2, 5, 5] = numpy.nan
    x = minigrad.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    values, indices = F.max_pool2d(x, return_indices=True, **geometry)
    t_values, t_indices = torch.nn.functional.max_pool2d(tx, return_indices=True, **geometry)
    numpy.testing.assert_array_equal(host(values), t_values.detach().numpy())
    numpy.testing.assert_array_equal(host(indices), t_indices.numpy())
    gy = rng.standard_normal(values.shape)
    values.backward(minigrad.tensor(gy))
    t_values.backward(torch.tensor(gy))
    numpy.testing.assert_allclose(host(x.grad), tx.grad.numpy())
    mins = F.min_pool2d(x, return_indices=True, **geometry)
    negated = torch.nn.functional.max_pool2d(-tx, return_indices=True, **geometry)
    numpy.testing.assert_array_equal(host(mins[1]), negated[1].numpy())


# --- the foreach optimizer steps -----------------------------------------------------------------
OPTIMIZERS = [
    (optim.SGD, {"lr": 0.1}), (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "maximize": True}),
    (optim.Adam, {"lr": 0.01}), (optim.Adam, {"lr": 0.01, "amsgrad": True,
                                              "weight_decay": 0.1, "maximize": True}),
    (optim.AdamW, {"lr": 0.01}), (optim.AdamW, {"lr": 0.02, "amsgrad": True,
                                                "betas": (0.8, 0.95)}),
]


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
@pytest.mark.parametrize("make, options", OPTIMIZERS, ids=[f"{m.__name__}-{o}" for m, o in
                                                           OPTIMIZERS])
def test_foreach_steps_equal_the_per_parameter_formulas_bitwise(make: Any, options: Any,
                                                                dtype: Any) -> None:
    rng = numpy.random.default_rng(3)
    shapes = [(4, 3), (3,), (), (2, 2, 3)]
    start = [rng.standard_normal(s) for s in shapes]

    def run(foreach: bool) -> list[numpy.ndarray[Any, Any]]:
        params = [nn.Parameter(minigrad.tensor(a, dtype=dtype)) for a in start]
        opt = make([{"params": params[:2]}, {"params": params[2:], "lr": 0.03}],
                   foreach=foreach, **options)
        grads = numpy.random.default_rng(4)
        for _ in range(4):
            for p in params:
                p.grad = minigrad.tensor(grads.standard_normal(p.shape), dtype=dtype)
            params[1].grad = None if _ == 1 else params[1].grad  # a step without a gradient
            opt.step()
        state = [host(v) for s in opt.state.values() for v in s.values()
                 if isinstance(v, minigrad.Tensor)]
        return [host(p) for p in params] + state

    for fast, plain in zip(run(True), run(False), strict=True):
        numpy.testing.assert_array_equal(fast, plain)


def test_foreach_and_fused_are_accepted_as_in_torch() -> None:
    p = [nn.Parameter(minigrad.zeros(2))]
    for make in (optim.SGD, optim.Adam, optim.AdamW):
        assert make(p, lr=0.1, foreach=False).defaults["foreach"] is False
        assert make(p, lr=0.1).defaults["fused"] is None
    torch = pytest.importorskip("torch")
    theirs = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1).defaults
    assert theirs["foreach"] is None and theirs["fused"] is None


def test_foreach_step_checks_every_shape_before_changing_anything() -> None:
    a, b = nn.Parameter(minigrad.ones(2)), nn.Parameter(minigrad.ones(3))
    opt = optim.SGD([a, b], lr=0.5)
    a.grad, b.grad = minigrad.ones(2), minigrad.ones(2)
    with pytest.raises(RuntimeError, match=r"parameter of shape \(3,\) has a gradient of "
                                           r"shape \(2,\)"):
        opt.step()
    numpy.testing.assert_array_equal(host(a), [1.0, 1.0])


def test_an_ignored_target_costs_nothing_whatever_its_log_probabilities() -> None:
    """PyTorch's rule: 0 for an ignored position, even where its log-probabilities are
    -inf (a masked class) or NaN; 0 * -inf would otherwise make the loss NaN."""
    logp = minigrad.tensor([[-float("inf"), 0.0], [float("nan"), -1.0], [-0.5, -2.0]],
                           requires_grad=True)
    target = minigrad.tensor([0, 0, 1])
    losses = minigrad.nn.functional.nll_loss(logp, target, ignore_index=0, reduction="none")
    assert losses.tolist() == [0.0, 0.0, 2.0]
    total = minigrad.nn.functional.nll_loss(logp, target, ignore_index=0, reduction="sum")
    total.backward()
    assert total.item() == 2.0 and logp.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [0.0, -1.0]]
