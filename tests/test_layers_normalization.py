"""Per-sample normalisation layers and the distance functions, against PyTorch: outputs,
gradients and running statistics in training and eval mode, errors and reprs."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from tests.torch_pairs import assert_close, same_results, to_minigrad, to_torch

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def data(*shape: int, seed: int = 0) -> numpy.ndarray[Any, Any]:
    return numpy.random.default_rng(seed).standard_normal(shape)


def randomize(module: nn.Module, seed: int = 1) -> nn.Module:
    """Weights, biases and running statistics away from their initial values."""
    rng = numpy.random.default_rng(seed)
    with minigrad.no_grad():
        for _, t in [*module.named_parameters(), *module.named_buffers()]:
            if t.dtype.kind == "f":
                t.copy_(minigrad.tensor(rng.uniform(0.5, 1.5, t.shape)))
    return module


# --- normalisation layers ------------------------------------------------------------------
@pytest.mark.parametrize(("args", "kwargs", "shape"), [
    ((2, 6), {}, (3, 6, 4, 5)), ((3, 6), {"affine": False}, (2, 6, 7)),
    ((1, 4), {"eps": 1e-3}, (2, 4, 3, 3)), ((4, 4), {"bias": False}, (2, 4, 5)),
])
def test_group_norm_matches_pytorch(args: tuple[int, ...], kwargs: dict[str, Any],
                                    shape: tuple[int, ...]) -> None:
    ours, theirs = randomize(nn.GroupNorm(*args, **kwargs)), torch.nn.GroupNorm(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    same_results(ours, theirs, [data(*shape)])


@pytest.mark.parametrize("name", ["InstanceNorm1d", "InstanceNorm2d"])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True},
                                    {"affine": True, "track_running_stats": True,
                                     "momentum": 0.3}, {"affine": True, "bias": False},
                                    {"track_running_stats": True, "momentum": None}])
@pytest.mark.parametrize("batched", [True, False])
def test_instance_norm_matches_pytorch(name: str, kwargs: dict[str, Any], batched: bool
                                       ) -> None:
    ours, theirs = getattr(nn, name)(3, **kwargs), getattr(torch.nn, name)(3, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    randomize(ours)
    shape = (3, 5) if name == "InstanceNorm1d" else (3, 4, 5)
    shape = (2, *shape) if batched else shape
    for train in (True, True, False):  # two steps update the running statistics
        same_results(ours, theirs, [data(*shape, seed=int(train))], train=train)


def test_local_response_norm_matches_pytorch() -> None:
    for size, shape in ((3, (2, 7, 5)), (2, (2, 6, 3, 4)), (5, (1, 4, 2, 2, 3)), (1, (2, 3, 4))):
        ours = nn.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5)
        theirs = torch.nn.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5)
        assert repr(ours) == repr(theirs)
        same_results(ours, theirs, [data(*shape)])
    assert repr(nn.LocalResponseNorm(2)) == repr(torch.nn.LocalResponseNorm(2))


def test_functional_instance_norm_with_running_statistics() -> None:
    x = data(4, 3, 6)
    stats_m = [to_minigrad(numpy.full(3, 0.5)), to_minigrad(numpy.full(3, 2.0))]
    stats_t = [to_torch(numpy.full(3, 0.5)), to_torch(numpy.full(3, 2.0))]
    assert_close(F.instance_norm(to_minigrad(x), *stats_m, momentum=0.2),
                 TF.instance_norm(to_torch(x), *stats_t, momentum=0.2))
    assert_close(stats_m, stats_t)
    assert_close(F.instance_norm(to_minigrad(x), *stats_m, use_input_stats=False),
                 TF.instance_norm(to_torch(x), *stats_t, use_input_stats=False))


def test_normalisation_errors() -> None:
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(minigrad.randn(2, 6, 3), 4)
    with pytest.raises(RuntimeError, match=r"weight must hold one value per channel \(6\)"):
        F.group_norm(minigrad.randn(2, 6, 3), 3, minigrad.ones(4))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.InstanceNorm1d(3)(minigrad.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"size at dim=1 to match num_features \(3\)"):
        nn.InstanceNorm2d(3, affine=True)(minigrad.randn(2, 4, 5, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm2d(3)(minigrad.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(minigrad.randn(2, 3, 1))
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        F.instance_norm(minigrad.randn(2, 3, 4), use_input_stats=False)
    with pytest.raises(ValueError, match="3D or higher"):
        nn.LocalResponseNorm(2)(minigrad.randn(3, 4))


def test_instance_norm_eval_uses_running_statistics_only_when_tracked() -> None:
    x = minigrad.randn(2, 3, 8) * 3 + 1
    untracked = nn.InstanceNorm1d(3).eval()
    assert abs(float(untracked(x).mean())) < 1e-6  # still its own statistics
    tracked = nn.InstanceNorm1d(3, track_running_stats=True).eval()
    numpy.testing.assert_allclose(tracked(x).numpy(), x.numpy() / numpy.sqrt(1 + 1e-5),
                                  rtol=1e-5)


# --- distances ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("shapes", "kwargs"), [
    (((4, 5), (4, 5)), {}), (((2, 3, 4), (3, 1)), {"dim": -1}), (((3, 4), (4,)), {"dim": 1}),
    (((4, 3), (4, 3)), {"dim": 0, "eps": 0.5}),
])
def test_cosine_similarity_matches_pytorch(shapes: Any, kwargs: dict[str, Any]) -> None:
    inputs = [data(*s, seed=i) for i, s in enumerate(shapes)]
    same_results(lambda a, b: F.cosine_similarity(a, b, **kwargs),
                 lambda a, b: TF.cosine_similarity(a, b, **kwargs), inputs)
    same_results(nn.CosineSimilarity(**kwargs), torch.nn.CosineSimilarity(**kwargs), inputs)


def test_cosine_similarity_of_tiny_vectors_has_pytorchs_gradient() -> None:
    tiny = data(3, 5) * 1e-10
    same_results(F.cosine_similarity, TF.cosine_similarity, [tiny, data(3, 5, seed=1)],
                 rtol=1e-7)


@pytest.mark.parametrize(("shapes", "kwargs"), [
    (((4, 5), (4, 5)), {}), (((4, 3), (3,)), {"p": 1.0}), (((2, 4), (2, 4)), {"p": 3.0,
                                                                             "keepdim": True}),
    (((5,), (5,)), {}), (((3, 4), (3, 4)), {"p": float("inf"), "eps": 0.0}),
    (((2, 3, 4), (2, 3, 4)), {"eps": 1e-3}),
])
def test_pairwise_distance_matches_pytorch(shapes: Any, kwargs: dict[str, Any]) -> None:
    inputs = [data(*s, seed=i) for i, s in enumerate(shapes)]
    same_results(lambda a, b: F.pairwise_distance(a, b, **kwargs),
                 lambda a, b: TF.pairwise_distance(a, b, **kwargs), inputs)
    same_results(nn.PairwiseDistance(**kwargs), torch.nn.PairwiseDistance(**kwargs), inputs)
    assert repr(nn.PairwiseDistance(**kwargs)) == repr(torch.nn.PairwiseDistance(**kwargs))


@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0}, {"dim": 0}, {"p": float("inf"), "dim": -1},
                                    {"p": 3.0, "eps": 0.5}])
def test_normalize_matches_pytorch(kwargs: dict[str, Any]) -> None:
    x = data(4, 5)
    x[1] = 1e-14  # a vector whose norm is below eps
    same_results(lambda a: F.normalize(a, **kwargs), lambda a: TF.normalize(a, **kwargs), [x])


def test_normalize_writes_out() -> None:
    out = minigrad.zeros(2, 2)
    result = F.normalize(minigrad.tensor([[3.0, 4.0], [0.0, 2.0]]), out=out)
    assert result is out
    numpy.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.0, 1.0]])
