"""The non-op parts of issue 11: inference_mode, set_printoptions, random sampling, the
in-place forms of the new ops and which of them are views.

Most checks stand alone; those against PyTorch skip when it is not installed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy
import pytest

import minigrad


# --- inference_mode ---------------------------------------------------------------------------
def test_inference_mode_is_no_grad_with_a_flag() -> None:
    w = minigrad.ones(2, requires_grad=True)
    assert not minigrad.is_inference_mode_enabled()
    with minigrad.inference_mode():
        assert minigrad.is_inference_mode_enabled() and not minigrad.is_grad_enabled()
        y = w * 2
        with minigrad.inference_mode(False):  # changes nothing
            assert minigrad.is_inference_mode_enabled() and not minigrad.is_grad_enabled()
    assert not y.requires_grad
    assert minigrad.is_grad_enabled() and not minigrad.is_inference_mode_enabled()
    with minigrad.inference_mode(False):
        assert minigrad.is_grad_enabled() and not minigrad.is_inference_mode_enabled()
        assert (w * 2).requires_grad


def test_inference_mode_decorates_with_and_without_parentheses() -> None:
    @minigrad.inference_mode
    def bare(x: minigrad.Tensor) -> tuple[bool, bool]:
        return (x * 2).requires_grad, minigrad.is_inference_mode_enabled()

    @minigrad.inference_mode()
    def called(x: minigrad.Tensor) -> bool:
        return (x * 2).requires_grad

    @minigrad.inference_mode(mode=False)
    def off(x: minigrad.Tensor) -> bool:
        return (x * 2).requires_grad

    w = minigrad.ones(2, requires_grad=True)
    assert bare(w) == (False, True) and called(w) is False and off(w) is True
    assert bare.__name__ == "bare"
    assert minigrad.is_grad_enabled()


def test_inference_mode_is_restored_after_an_error_and_per_thread() -> None:
    with pytest.raises(ValueError), minigrad.inference_mode():
        raise ValueError
    assert minigrad.is_grad_enabled() and not minigrad.is_inference_mode_enabled()
    seen: list[bool] = []
    with minigrad.inference_mode():
        thread = threading.Thread(target=lambda: seen.append(
            minigrad.is_inference_mode_enabled()))
        thread.start()
        thread.join()
    assert seen == [False]


def test_inference_mode_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for lib in (torch, minigrad):
        w = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            assert not (w * 2).requires_grad and lib.is_inference_mode_enabled()
        with lib.inference_mode(False):
            assert (w * 2).requires_grad and not lib.is_inference_mode_enabled()


# --- set_printoptions ---------------------------------------------------------------------------
@pytest.fixture
def default_printing() -> Iterator[None]:
    minigrad.set_printoptions(profile="default")
    yield
    minigrad.set_printoptions(profile="default")


def test_print_options_change_repr(default_printing: None) -> None:
    x = minigrad.tensor([1.5, 2.25, -3.125])
    assert repr(x) == "tensor([ 1.5000,  2.2500, -3.1250])"
    minigrad.set_printoptions(precision=2)
    assert repr(x) == "tensor([ 1.50,  2.25, -3.12])"
    minigrad.set_printoptions(sci_mode=True)  # precision stays
    assert repr(x) == "tensor([ 1.50e+00,  2.25e+00, -3.12e+00])"
    minigrad.set_printoptions()  # sci_mode goes back to automatic when not given
    assert repr(minigrad.tensor([1e10, 1.0])) == "tensor([1.00e+10, 1.00e+00])"
    minigrad.set_printoptions(sci_mode=False)
    assert repr(minigrad.tensor([1e10, 1.0])) == "tensor([10000000000.,           1.])"
    minigrad.set_printoptions(profile="default", threshold=5, edgeitems=2)
    assert repr(minigrad.arange(10.0)) == "tensor([0., 1.,  ..., 8., 9.])"
    minigrad.set_printoptions(profile="full")
    assert "..." not in repr(minigrad.arange(2000.0))
    minigrad.set_printoptions(profile="default", linewidth=30)
    assert max(len(line) for line in repr(minigrad.arange(20.0)).splitlines()) <= 30
    with pytest.raises(ValueError, match="profile must be one of"):
        minigrad.set_printoptions(profile="long")


def _cases() -> list[numpy.ndarray[Any, Any]]:
    rng = numpy.random.default_rng(0)
    return [
        numpy.array([1.5, 2.25, -3.125], numpy.float32),
        numpy.arange(2000, dtype=numpy.float32),
        numpy.arange(30, dtype=numpy.float32).reshape(3, 10) * 1.5,
        numpy.array([numpy.nan, numpy.inf, -1.5, 0.0], numpy.float32),
        numpy.array([0.001, 1000.0], numpy.float32),
        rng.standard_normal((4, 5, 6)).astype(numpy.float32),
        rng.standard_normal((3, 1100)).astype(numpy.float32),
        rng.integers(-100, 100, (5, 300)),
        numpy.array([[True, False]]),
        numpy.array(3.5, numpy.float32),
        rng.standard_normal((2, 3, 4, 5)) * 100,
    ]


@pytest.mark.parametrize("options", [
    {}, {"precision": 2}, {"threshold": 5}, {"edgeitems": 1, "threshold": 5},
    {"linewidth": 40}, {"sci_mode": True}, {"sci_mode": False}, {"profile": "short"},
    {"profile": "full", "linewidth": 200}, {"edgeitems": 2, "threshold": 10, "linewidth": 30},
], ids=str)
def test_repr_matches_pytorch(default_printing: None, options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    torch.set_printoptions(profile="default")
    torch.set_printoptions(**options)
    minigrad.set_printoptions(**options)
    try:
        for values in _cases():
            theirs = repr(torch.tensor(values)).replace("torch.", "minigrad.")
            assert repr(minigrad.tensor(values)) == theirs
    finally:
        torch.set_printoptions(profile="default")


# --- random sampling ---------------------------------------------------------------------------
def test_randperm_is_a_seeded_permutation() -> None:
    minigrad.manual_seed(3)
    p = minigrad.randperm(50)
    assert p.dtype == minigrad.int64 and sorted(p.tolist()) == list(range(50))
    minigrad.manual_seed(3)
    assert minigrad.randperm(50).tolist() == p.tolist()
    assert minigrad.randperm(6, dtype=minigrad.float32).dtype == minigrad.float32
    assert minigrad.randperm(0).shape == (0,)


def test_multinomial_frequencies() -> None:
    minigrad.manual_seed(0)
    weights = minigrad.tensor([1.0, 0.0, 3.0])
    drawn = minigrad.multinomial(weights, 4000, replacement=True)
    counts = numpy.bincount(drawn.numpy(), minlength=3) / 4000
    assert counts[1] == 0 and abs(counts[2] - 0.75) < 0.03
    rows = minigrad.tensor([[1.0, 1.0, 1.0, 1.0], [5.0, 0.0, 0.0, 1.0]])
    without = rows.multinomial(4)
    assert without.shape == (2, 4)
    assert all(sorted(r) == [0, 1, 2, 3] for r in without.tolist())
    assert set(without[1, :2].tolist()) == {0, 3}  # zero weights only once the rest is gone
    firsts = [minigrad.multinomial(minigrad.tensor([9.0, 1.0]), 1).item() for _ in range(300)]
    assert 0.85 < firsts.count(0) / 300 < 0.95


def test_bernoulli_and_its_in_place_form() -> None:
    minigrad.manual_seed(0)
    p = minigrad.full((4000,), 0.3)
    assert abs(minigrad.bernoulli(p).mean().item() - 0.3) < 0.03
    assert abs(p.bernoulli(0.8).mean().item() - 0.8) < 0.03
    x = minigrad.zeros(4000)
    assert x.bernoulli_() is x and abs(x.mean().item() - 0.5) < 0.03
    y = minigrad.zeros(3, dtype=minigrad.int64)
    assert y.bernoulli_(minigrad.tensor([0.0, 1.0, 1.0])).tolist() == [0, 1, 1]
    assert y.dtype == minigrad.int64


def test_bernoulli_refuses_integer_probabilities() -> None:
    with pytest.raises(RuntimeError, match="floating-point"):
        minigrad.bernoulli(minigrad.ones(2, dtype=minigrad.int64))


def test_exponential_and_random_fill_in_place() -> None:
    minigrad.manual_seed(0)
    x = minigrad.zeros(5000, dtype=minigrad.float64)
    assert x.exponential_(2.0) is x
    assert x.min().item() >= 0 and abs(x.mean().item() - 0.5) < 0.03
    ints = minigrad.zeros(1000, dtype=minigrad.int64).random_(3, 7)
    assert set(ints.tolist()) == {3, 4, 5, 6}
    assert set(minigrad.zeros(200).random_(4).tolist()) == {0.0, 1.0, 2.0, 3.0}
    assert set(minigrad.zeros(200).random_(0, to=2).tolist()) == {0.0, 1.0}
    assert set(minigrad.zeros(200).random_(**{"from": 5, "to": 7}).tolist()) == {5.0, 6.0}
    assert set(minigrad.zeros(100, dtype=minigrad.bool).random_().tolist()) == {True, False}
    wide = minigrad.zeros(1000).random_()
    assert wide.max().item() > 2**20 and wide.max().item() <= 2**24
    assert (wide == wide.round()).all()
    bytes_ = minigrad.zeros(2000, dtype=minigrad.uint8).random_()
    assert bytes_.max().item() == 255


def test_random_fills_refuse_a_leaf_that_requires_grad() -> None:
    w = minigrad.zeros(3, requires_grad=True)
    for fill in (lambda: w.bernoulli_(), lambda: w.exponential_(), lambda: w.random_(2)):
        with pytest.raises(RuntimeError, match="leaf"):
            fill()
    with minigrad.no_grad():
        w.exponential_()
    assert (w > 0).all()


def test_seeded_sampling_is_reproducible() -> None:
    draws = []
    for _ in range(2):
        minigrad.manual_seed(7)
        draws.append((minigrad.multinomial(minigrad.ones(5), 3).tolist(),
                      minigrad.bernoulli(minigrad.full((6,), 0.5)).tolist(),
                      minigrad.zeros(4).exponential_().tolist()))
    assert draws[0] == draws[1]


# --- in-place forms, views and copies ------------------------------------------------------------
def _pair(torch: Any, values: numpy.ndarray[Any, Any]) -> tuple[Any, Any]:
    return minigrad.tensor(values), torch.tensor(values)


IN_PLACE = [
    ("scatter_", lambda t, x: x.scatter_(1, t.tensor([[0, 2], [1, 0]]), 9.0)),
    ("scatter_ src", lambda t, x: x.scatter_(0, t.tensor([[1, 0, 1]]), t.ones(1, 3))),
    ("scatter_add_", lambda t, x: x.scatter_add_(1, t.tensor([[0, 0], [2, 2]]), t.ones(2, 2))),
    ("index_add_", lambda t, x: x.index_add_(0, t.tensor([1, 1]), t.ones(2, 3), alpha=3)),
    ("masked_fill_", lambda t, x: x.masked_fill_(t.tensor([True, False, True]), -1.0)),
    ("tril_", lambda t, x: x.tril_(-1)), ("triu_", lambda t, x: x.triu_(1)),
    ("lerp_", lambda t, x: x.lerp_(t.ones(2, 3), 0.25)),
    ("addcmul_", lambda t, x: x.addcmul_(x, t.full((2, 3), 2.0), value=0.5)),
    ("addcdiv_", lambda t, x: x.addcdiv_(t.ones(2, 3), t.full((2, 3), 4.0), value=2)),
    ("cumsum_", lambda t, x: x.cumsum_(1)), ("cumprod_", lambda t, x: x.cumprod_(0)),
    ("nan_to_num_", lambda t, x: x.nan_to_num_()), ("fmod_", lambda t, x: x.fmod_(0.7)),
    ("atan2_", lambda t, x: x.atan2_(t.ones(2, 3))), ("hypot_", lambda t, x: x.hypot_(x)),
    ("erf_", lambda t, x: x.erf_()), ("frac_", lambda t, x: x.frac_()),
    ("sgn_", lambda t, x: x.sgn_()), ("logical_and_", lambda t, x: x.logical_and_(x > 0)),
    ("addmm_", lambda t, x: x.addmm_(t.ones(2, 2), t.ones(2, 3), beta=2)),
]


@pytest.mark.parametrize(("name", "fn"), IN_PLACE, ids=[c[0] for c in IN_PLACE])
def test_in_place_forms_match_pytorch(name: str, fn: Any) -> None:
    torch = pytest.importorskip("torch")
    values = numpy.array([[0.5, -1.5, 2.0], [1.25, 0.0, -0.75]], numpy.float32)
    ours, theirs = _pair(torch, values)
    assert fn(minigrad, ours) is ours
    fn(torch, theirs)
    numpy.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_in_place_masked_fill_is_recorded_like_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.masked_fill_(lib.tensor([False, True, False]), 0.0)
        (y * y).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [8.0, 0.0, 24.0]


def test_narrow_select_unbind_are_views_and_flip_is_a_copy() -> None:
    x = minigrad.zeros(3, 4)
    x.narrow(1, 1, 2).fill_(1.0)
    x.select(0, 2).fill_(2.0)
    x.unbind(1)[3].fill_(3.0)
    assert x.tolist() == [[0, 1, 1, 3], [0, 1, 1, 3], [2, 2, 2, 3]]
    flipped = x.flip(0)
    flipped.fill_(7.0)
    assert x[0, 0].item() == 0.0
    assert minigrad.roll(x, 1).fill_(9.0) is not x and x.max().item() == 3.0


def test_out_and_stride_and_contiguity() -> None:
    buffer = minigrad.zeros(2, 3)
    x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert minigrad.cumsum(x, 1, out=buffer) is buffer
    assert buffer.tolist() == [[1, 3, 6], [4, 9, 15]]
    t = x.t()
    assert t.stride() == (1, 3) and not t.is_contiguous()
    c = t.contiguous()
    assert c.stride() == (2, 1) and c.is_contiguous() and c.tolist() == t.tolist()
    assert x.contiguous() is x
    w = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w.t().contiguous().sum().backward()  # the copy passes the gradient
    assert w.grad is not None and w.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_new_tensors_follow_their_source() -> None:
    x = minigrad.ones(2, dtype=minigrad.float64)
    for made in (x.new_zeros(3), x.new_ones((1, 2)), x.new_full([2], 5),
                 x.new_empty(2, 2), x.new_tensor([1, 2])):
        assert made.dtype == minigrad.float64 and made.backend is x.backend
        assert not made.requires_grad and made.is_leaf
    assert x.new_zeros(2, requires_grad=True).requires_grad
    assert x.new_tensor([1, 2], dtype=minigrad.int64).dtype == minigrad.int64
    source = minigrad.ones(2)
    copy = x.new_tensor(source)
    source.fill_(3.0)
    assert copy.tolist() == [1.0, 1.0]
