"""The margin, embedding, likelihood and Huber losses against PyTorch, function and
module forms, every reduction (and the deprecated size_average/reduce), gradients,
errors and warnings."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from tests.torch_pairs import assert_close, same_results, to_minigrad, to_torch

torch = pytest.importorskip("torch")
TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]
rng = numpy.random.default_rng(0)


def signs(*shape: int) -> numpy.ndarray[Any, Any]:
    return numpy.where(rng.random(shape) > 0.5, 1.0, -1.0)


def inputs(name: str) -> list[Any]:
    """Arguments of one loss (float arrays get gradients, integer ones do not)."""
    x = rng.standard_normal((5, 4))
    return {
        "soft_margin_loss": [x, signs(5, 4)],
        "multilabel_soft_margin_loss": [x, (rng.random((5, 4)) > 0.5).astype(float)],
        "multi_margin_loss": [x, rng.integers(0, 4, 5)],
        "margin_ranking_loss": [rng.standard_normal(6), rng.standard_normal(6), signs(6)],
        "hinge_embedding_loss": [numpy.abs(x), signs(5, 4)],
        "cosine_embedding_loss": [x, rng.standard_normal((5, 4)), signs(5)],
        "triplet_margin_loss": [x, rng.standard_normal((5, 4)), rng.standard_normal((5, 4))],
        "poisson_nll_loss": [x, rng.poisson(2.0, (5, 4)).astype(float)],
        "gaussian_nll_loss": [x, rng.standard_normal((5, 4)), rng.uniform(0.2, 2.0, (5, 4))],
        "huber_loss": [x * 2, rng.standard_normal((5, 4))],
        "kl_div": [numpy.log(rng.dirichlet(numpy.ones(4), 5)), rng.dirichlet(numpy.ones(4), 5)],
    }[name]


# which arguments get gradients (PyTorch has none for most targets)
DIFFERENTIABLE = {
    "soft_margin_loss": (True, False), "multilabel_soft_margin_loss": (True, False),
    "margin_ranking_loss": (True, True, False), "hinge_embedding_loss": (True, False),
    "cosine_embedding_loss": (True, True, False), "poisson_nll_loss": (True, False),
    "gaussian_nll_loss": (True, True, True), "huber_loss": (True, True, False),
    "kl_div": (True, True), "triplet_margin_loss": (True, True, True),
    "multi_margin_loss": (True, False, False),
}
FUNCTION_CASES = [
    ("soft_margin_loss", {}), ("multilabel_soft_margin_loss", {}),
    ("multi_margin_loss", {}), ("multi_margin_loss", {"p": 2, "margin": 0.7}),
    ("margin_ranking_loss", {"margin": 0.3}), ("hinge_embedding_loss", {"margin": 2.0}),
    ("cosine_embedding_loss", {"margin": 0.2}), ("triplet_margin_loss", {}),
    ("triplet_margin_loss", {"margin": 0.5, "p": 1.0, "swap": True}),
    ("poisson_nll_loss", {}), ("poisson_nll_loss", {"full": True}),
    ("gaussian_nll_loss", {}), ("gaussian_nll_loss", {"full": True, "eps": 0.5}),
    ("huber_loss", {}), ("huber_loss", {"delta": 0.4}),
    ("kl_div", {"log_target": True}),
]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "kwargs"), FUNCTION_CASES, ids=lambda v: str(v))
def test_loss_functions_match_pytorch(name: str, kwargs: dict[str, Any], reduction: str
                                      ) -> None:
    args = inputs(name)
    if name == "poisson_nll_loss" and kwargs.get("full"):
        args[1][0, :2] = [0.0, 1.0]  # targets at and below 1 get no Stirling term
    same_results(lambda *a: getattr(F, name)(*a, **kwargs, reduction=reduction),
                 lambda *a: getattr(TF, name)(*a, **kwargs, reduction=reduction), args,
                 differentiable=DIFFERENTIABLE[name])


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_pytorch(reduction: str, log_target: bool) -> None:
    x, y = inputs("kl_div")
    y[0, 1] = 0.0  # a zero target contributes nothing
    if log_target:
        y = numpy.log(y + 0.1)
    # (at a zero target PyTorch's gradient in the target is NaN, this one's is finite)
    same_results(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                 lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
                 [x, y], differentiable=(True, log_target))
    x, y = inputs("kl_div")
    same_results(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                 lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
                 [x, y])


def test_kl_div_mean_warns_as_pytorch_does() -> None:
    x, y = inputs("kl_div")
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        ours = F.kl_div(to_minigrad(x), to_minigrad(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(ours, TF.kl_div(to_torch(x), to_torch(y)))
    assert float(F.kl_div(to_minigrad(x[0]), to_minigrad(y[0]), reduction="batchmean")) == \
        pytest.approx(float(TF.kl_div(to_torch(x[0]), to_torch(y[0]), reduction="batchmean")))


@pytest.mark.parametrize(("size_average", "reduce"), [(False, None), (None, False), (True, True)])
def test_deprecated_reduction_arguments(size_average: Any, reduce: Any) -> None:
    args = inputs("soft_margin_loss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_results(lambda *a: F.soft_margin_loss(*a, size_average, reduce),
                     lambda *a: TF.soft_margin_loss(*a, size_average, reduce), args,
                     differentiable=DIFFERENTIABLE["soft_margin_loss"])
        same_results(lambda *a: F.kl_div(*a, size_average, reduce),
                     lambda *a: TF.kl_div(*a, size_average, reduce), inputs("kl_div"))


def test_gaussian_nll_loss_variance_shapes() -> None:
    x, y = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    for var in (rng.uniform(0.5, 2, (4, 3)), rng.uniform(0.5, 2, (4, 1, 2)),
                rng.uniform(1e-9, 1e-8, (4, 3, 2))):  # below eps: clamped, gradient passes
        same_results(F.gaussian_nll_loss, TF.gaussian_nll_loss, [x, y, var])
    assert_close(F.gaussian_nll_loss(to_minigrad(x), to_minigrad(y), 0.5),
                 TF.gaussian_nll_loss(to_torch(x), to_torch(y), 0.5))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(to_minigrad(x), to_minigrad(y), to_minigrad(numpy.ones((4, 2, 2))))
    with pytest.raises(ValueError, match="negative entry"):
        F.gaussian_nll_loss(to_minigrad(x), to_minigrad(y), -to_minigrad(numpy.ones((4, 3, 2))))


def test_huber_loss_weights() -> None:
    x, y = inputs("huber_loss")
    w = rng.uniform(0.1, 2.0, x.shape)
    for reduction in REDUCTIONS:
        same_results(lambda a, b, c, r=reduction: F.huber_loss(a, b, r, 0.7, c),
                     lambda a, b, c, r=reduction: TF.huber_loss(a, b, r, 0.7, c), [x, y, w],
                     differentiable=(True, True, True))


def test_multi_margin_and_multilabel_weights() -> None:
    x, target = inputs("multi_margin_loss")
    w = rng.uniform(0.5, 2.0, 4)
    same_results(lambda a, b, c: F.multi_margin_loss(a, b, weight=c),
                 lambda a, b, c: TF.multi_margin_loss(a, b, weight=c), [x, target, w],
                 differentiable=(True, False, False))
    same_results(lambda a, b: F.multi_margin_loss(a, b), lambda a, b: TF.multi_margin_loss(a, b),
                 [x[0], numpy.asarray(target[0])])
    x, y = inputs("multilabel_soft_margin_loss")
    same_results(lambda a, b, c: F.multilabel_soft_margin_loss(a, b, c),
                 lambda a, b, c: TF.multilabel_soft_margin_loss(a, b, c), [x, y, w],
                 differentiable=(True, False, False))


def test_single_pairs_and_triplets() -> None:
    a, b = rng.standard_normal(4), rng.standard_normal(4)
    same_results(F.cosine_embedding_loss, TF.cosine_embedding_loss, [a, b, numpy.asarray(-1.0)],
                 differentiable=(True, True, False))
    same_results(F.triplet_margin_loss, TF.triplet_margin_loss, [a, b, rng.standard_normal(4)])


LOSS_MODULES: list[tuple[str, dict[str, Any], str]] = [  # (layer, arguments, inputs of)
    ("KLDivLoss", {"reduction": "batchmean"}, "kl_div"),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}, "kl_div"),
    ("HuberLoss", {"delta": 0.5}, "huber_loss"), ("HuberLoss", {}, "huber_loss"),
    ("SoftMarginLoss", {}, "soft_margin_loss"),
    ("MarginRankingLoss", {"margin": 0.2}, "margin_ranking_loss"),
    ("HingeEmbeddingLoss", {"margin": 1.5, "reduction": "sum"}, "hinge_embedding_loss"),
    ("CosineEmbeddingLoss", {"margin": 0.1}, "cosine_embedding_loss"),
    ("TripletMarginLoss", {"margin": 0.5, "p": 3.0, "swap": True}, "triplet_margin_loss"),
    ("PoissonNLLLoss", {"full": True}, "poisson_nll_loss"),
    ("GaussianNLLLoss", {"full": True}, "gaussian_nll_loss"),
    ("MultiLabelSoftMarginLoss", {"reduction": "none"}, "multilabel_soft_margin_loss"),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5}, "multi_margin_loss"),
]


@pytest.mark.parametrize(("name", "kwargs", "data"), LOSS_MODULES, ids=lambda v: str(v))
def test_loss_modules_match_pytorch(name: str, kwargs: dict[str, Any], data: str) -> None:
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.reduction == theirs.reduction
    same_results(ours, theirs, inputs(data), differentiable=DIFFERENTIABLE[data])


def test_weighted_loss_modules_keep_their_weight_as_a_buffer() -> None:
    w = minigrad.tensor([1.0, 2.0, 0.5, 1.0])
    for layer in (nn.MultiMarginLoss(weight=w), nn.MultiLabelSoftMarginLoss(weight=w)):
        assert list(layer.state_dict()) == ["weight"]


def loss_errors() -> list[tuple[Callable[[], Any], type[Exception], str]]:
    x = minigrad.randn(5, 4)
    return [
        (lambda: F.multi_margin_loss(x, minigrad.tensor([0, 1, 2, 3, 0]), p=3), ValueError,
         "only p == 1 and p == 2"),
        (lambda: nn.MultiMarginLoss(p=3), ValueError, "only p == 1 and p == 2"),
        (lambda: F.multi_margin_loss(x, minigrad.tensor([0, 1])), ValueError,
         "expected input"),
        (lambda: F.margin_ranking_loss(x, x, minigrad.ones(5)), RuntimeError,
         "same dimension"),
        (lambda: F.triplet_margin_loss(x, x, x, margin=0.0), ValueError,
         "margin must be greater than 0"),
        (lambda: nn.TripletMarginLoss(margin=-1.0), ValueError, "greater than 0"),
        (lambda: F.triplet_margin_loss(x, x[0], x), RuntimeError,
         "anchor 2D, positive 1D, and negative 2D"),
        (lambda: F.cosine_embedding_loss(x, x, minigrad.ones(5, 1)), RuntimeError,
         "one value per pair"),
        (lambda: F.huber_loss(x, x, delta=0.0), RuntimeError, "non-positive values for delta"),
        (lambda: F.huber_loss(x, x, weight=minigrad.ones(4)), ValueError, "weight of shape"),
        (lambda: F.kl_div(x, x, reduction="average"), ValueError, "reduction must be one of"),
        (lambda: nn.SoftMarginLoss(reduction="batchmean"), ValueError, "reduction must be"),
    ]


@pytest.mark.parametrize("index", range(len(loss_errors())))
def test_loss_errors(index: int) -> None:
    call, error, message = loss_errors()[index]
    with pytest.raises(error, match=message):
        call()
