"""minigrad.Generator and the rng-state functions, as torch.Generator and torch.random."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.data import (
    DataLoader,
    RandomSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)

G = minigrad.Generator

# Every random function or method that PyTorch gives a generator= argument.
DRAWS: dict[str, Callable[[Any], minigrad.Tensor]] = {
    "rand": lambda g: minigrad.rand(4, generator=g),
    "randn": lambda g: minigrad.randn(2, 3, generator=g),
    "randint": lambda g: minigrad.randint(0, 100, (5,), generator=g),
    "randperm": lambda g: minigrad.randperm(7, generator=g),
    "rand_like": lambda g: minigrad.rand_like(minigrad.zeros(3), generator=g),
    "randn_like": lambda g: minigrad.randn_like(minigrad.zeros(3), generator=g),
    "normal": lambda g: minigrad.normal(0.0, 1.0, (4,), generator=g),
    "normal tensors": lambda g: minigrad.normal(minigrad.zeros(4), 1.0, generator=g),
    "multinomial": lambda g: minigrad.multinomial(minigrad.ones(6), 3, generator=g),
    "bernoulli": lambda g: minigrad.bernoulli(minigrad.full((8,), 0.5), generator=g),
    "uniform_": lambda g: minigrad.empty(4).uniform_(-1, 1, generator=g),
    "normal_": lambda g: minigrad.empty(4).normal_(generator=g),
    "random_": lambda g: minigrad.empty(4).random_(0, 50, generator=g),
    "exponential_": lambda g: minigrad.empty(4).exponential_(generator=g),
    "bernoulli_": lambda g: minigrad.empty(8).bernoulli_(0.5, generator=g),
    "init.kaiming_uniform_": lambda g: nn.init.kaiming_uniform_(minigrad.empty(3, 4),
                                                                generator=g),
    "init.orthogonal_": lambda g: nn.init.orthogonal_(minigrad.empty(3, 3), generator=g),
    "init.trunc_normal_": lambda g: nn.init.trunc_normal_(minigrad.empty(5), generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_same_seed_same_draws_and_the_global_stream_is_untouched(name: str) -> None:
    draw = DRAWS[name]
    minigrad.manual_seed(0)
    expected_global = minigrad.rand(3).tolist()
    minigrad.manual_seed(0)
    first = draw(G().manual_seed(42)).tolist()
    assert minigrad.rand(3).tolist() == expected_global  # the generator left it alone
    assert draw(G().manual_seed(42)).tolist() == first
    g = G().manual_seed(42)
    assert draw(g).tolist() == first
    assert any(draw(g).tolist() != first for _ in range(5))  # the generator moves on


def test_a_generator_is_not_the_global_stream() -> None:
    g1, g2 = G().manual_seed(1), G().manual_seed(1)
    a = minigrad.randn(5, generator=g1).tolist()
    minigrad.randn(100, generator=G().manual_seed(1))  # a third one draws in between
    minigrad.randn(100)
    assert minigrad.randn(5, generator=g2).tolist() == a
    assert minigrad.randn(5, generator=g1).tolist() != a


def test_the_default_generator_is_the_global_stream() -> None:
    g = minigrad.manual_seed(5)
    assert g is minigrad.default_generator and minigrad.random.default_generator is g
    a = minigrad.rand(4).tolist()
    minigrad.default_generator.manual_seed(5)
    assert minigrad.rand(4).tolist() == a
    assert minigrad.rand(4, generator=minigrad.default_generator).tolist() != a
    assert minigrad.initial_seed() == 5 and minigrad.random.initial_seed() == 5


def test_manual_seed_still_seeds_as_before() -> None:
    minigrad.manual_seed(0)  # the default stream is numpy.random.default_rng(seed)
    expected = numpy.random.default_rng(0).random(3)
    assert numpy.allclose(minigrad.rand(3, dtype=minigrad.float64).numpy(), expected)


def test_get_state_and_set_state_round_trip() -> None:
    g = G().manual_seed(3)
    minigrad.randn(10, generator=g)
    state = g.get_state()
    assert state.dtype == minigrad.uint8 and state.ndim == 1
    a = minigrad.randn(6, generator=g).tolist()
    assert g.set_state(state) is g
    assert minigrad.randn(6, generator=g).tolist() == a
    other = G().set_state(state)  # a state moves to another generator, seed included
    assert other.initial_seed() == 3
    assert minigrad.randn(6, generator=other).tolist() == a
    assert pickle.loads(pickle.dumps(other)).get_state().tolist() == other.get_state().tolist()


def test_rng_state_round_trips_the_global_stream() -> None:
    minigrad.manual_seed(11)
    minigrad.rand(2)
    state = minigrad.get_rng_state()
    a = (minigrad.rand(3).tolist(), minigrad.randperm(9).tolist())
    minigrad.set_rng_state(state)
    assert (minigrad.rand(3).tolist(), minigrad.randperm(9).tolist()) == a
    assert minigrad.random.get_rng_state().tolist() != state.tolist()


def test_seed_and_initial_seed() -> None:
    g = G()
    assert g.initial_seed() == 67280421310721  # PyTorch's seed of a new generator
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2**64
    a = minigrad.rand(3, generator=g).tolist()
    assert minigrad.rand(3, generator=G().manual_seed(s)).tolist() == a
    s = minigrad.seed()
    assert minigrad.initial_seed() == s
    assert G().manual_seed(-1).initial_seed() == 2**64 - 1  # negatives wrap, as PyTorch
    assert str(G().device) == "cpu" and G("cpu").device.type == "cpu"


def test_random_split_with_a_generator_is_reproducible() -> None:
    ds = TensorDataset(minigrad.arange(10))
    minigrad.manual_seed(0)
    first = [s.indices for s in random_split(ds, [8, 2], generator=G().manual_seed(42))]
    minigrad.rand(5)
    again = [s.indices for s in random_split(ds, [8, 2], generator=G().manual_seed(42))]
    assert first == again and sorted(first[0] + first[1]) == list(range(10))
    assert [s.indices for s in random_split(ds, [8, 2], generator=G().manual_seed(43))] != first


def test_dataloader_shuffles_repeat_with_a_generator() -> None:
    ds = TensorDataset(minigrad.arange(20))
    g = G().manual_seed(42)
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=g)

    def epoch() -> list[list[int]]:
        return [batch[0].tolist() for batch in loader]

    first, second = epoch(), epoch()
    assert first != second  # a new order each epoch, drawn from g
    g.manual_seed(42)
    assert epoch() == first and epoch() == second
    fresh = DataLoader(ds, batch_size=5, shuffle=True, generator=G().manual_seed(42))
    assert [batch[0].tolist() for batch in fresh] == first


@pytest.mark.parametrize("make", [
    lambda g: RandomSampler(range(12), generator=g),
    lambda g: RandomSampler(range(5), replacement=True, num_samples=12, generator=g),
    lambda g: SubsetRandomSampler(list(range(3, 15)), generator=g),
    lambda g: WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 12, generator=g),
])
def test_samplers_repeat_with_a_reseeded_generator(make: Any) -> None:
    g = G().manual_seed(9)
    sampler = make(g)
    first = list(sampler)
    assert list(sampler) != first
    g.manual_seed(9)
    assert list(sampler) == first


# --- errors, compared with PyTorch's -------------------------------------------------------
def _torch_error(call: Callable[[Any], Any]) -> tuple[type[BaseException], str]:
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as info:
        call(torch)
    return info.type, str(info.value)


def test_a_seed_that_is_not_an_int_is_refused_as_in_pytorch() -> None:
    kind, message = _torch_error(lambda t: t.Generator().manual_seed(1.5))
    with pytest.raises(kind, match="manual_seed expected a long, but got float"):
        G().manual_seed(1.5)  # type: ignore[arg-type]
    assert "manual_seed expected a long" in message
    kind, _ = _torch_error(lambda t: t.manual_seed(2**64))
    with pytest.raises(kind, match="out of range"):
        minigrad.manual_seed(2**64)


def test_a_state_of_the_wrong_type_or_content_is_refused_as_in_pytorch() -> None:
    kind, message = _torch_error(lambda t: t.Generator().set_state(t.zeros(3)))
    with pytest.raises(kind, match="RNG state must be a uint8 tensor"):
        G().set_state(minigrad.zeros(3))
    assert "RNG state must be a torch.ByteTensor" in message
    kind, message = _torch_error(lambda t: t.set_rng_state([1, 2]))
    with pytest.raises(kind, match="expected a uint8 tensor"):
        minigrad.set_rng_state([1, 2])  # type: ignore[arg-type]
    kind, message = _torch_error(
        lambda t: t.Generator().set_state(t.zeros(3, dtype=t.uint8)))
    with pytest.raises(kind, match="not a minigrad generator state"):
        G().set_state(minigrad.zeros(3, dtype=minigrad.uint8))
    with pytest.raises(kind, match="set_rng_state: the RNG state is not valid"):
        minigrad.set_rng_state(minigrad.zeros(3, dtype=minigrad.uint8))
    damaged = G().get_state().numpy().copy()
    damaged[-2] = ord("x")
    with pytest.raises(RuntimeError, match="damaged"):
        G().set_state(minigrad.tensor(damaged))


def test_a_generator_argument_that_is_not_a_generator_is_refused() -> None:
    kind, message = _torch_error(lambda t: t.randn(3, generator=5))
    with pytest.raises(kind, match=r"argument .generator. must be a minigrad\.Generator"):
        minigrad.randn(3, generator=5)
    assert "generator" in message
    with pytest.raises(TypeError, match="multinomial"):
        minigrad.multinomial(minigrad.ones(3), 1, generator="seed")
    with pytest.raises(TypeError, match=r"generator must be None, a minigrad\.Generator"):
        RandomSampler(range(3), generator="seed")


def test_a_generator_on_another_device_is_refused() -> None:
    g = G()
    g._device = minigrad.device("cuda")  # as a CUDA generator would be
    g._backend_cache = object()  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but "
                                           "found 'cuda'"):
        minigrad.rand(2, generator=g)
