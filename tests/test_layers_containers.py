"""ParameterList and ParameterDict (registration, state_dict keys, reprs, the list and
dict protocols) and the channel and alpha dropouts, against PyTorch."""

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


def build(model: Any, torch_nn: Any, factory: Any) -> None:
    """Weights in a ParameterList and a ParameterDict (the same code for both frameworks)."""
    model.layers = torch_nn.ParameterList([torch_nn.Parameter(factory(3, 3))
                                           for _ in range(2)])
    model.gains = torch_nn.ParameterDict({"scale": torch_nn.Parameter(factory(3)),
                                          "shift": torch_nn.Parameter(factory(3))})


def run(model: Any, x: Any) -> Any:
    for w in model.layers:
        x = (x @ w).tanh()
    return x * model.gains["scale"] + model.gains["shift"]


class Mixture(nn.Module):
    def __init__(self, factory: Any) -> None:
        super().__init__()
        build(self, nn, factory)

    def forward(self, x: Any) -> Any:
        return run(self, x)


class TorchMixture(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        build(self, torch.nn, lambda *s: torch.randn(*s, dtype=torch.float64))

    def forward(self, x: Any) -> Any:
        return run(self, x)


def test_parameter_containers_train_like_pytorch() -> None:
    ours = Mixture(lambda *s: minigrad.randn(*s))
    theirs = TorchMixture()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "layers.0", "layers.1", "gains.scale", "gains.shift"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    same_results(ours, theirs, [numpy.random.default_rng(0).standard_normal((4, 3))])
    loaded = Mixture(lambda *s: minigrad.zeros(*s))
    loaded.load_state_dict(ours.state_dict())
    assert_close(loaded.gains["scale"], ours.gains["scale"])


def test_parameter_list_protocol_and_repr() -> None:
    ours = nn.ParameterList([minigrad.ones(2, 3), nn.Parameter(minigrad.zeros(4))])
    theirs = torch.nn.ParameterList([torch.ones(2, 3), torch.nn.Parameter(torch.zeros(4))])
    assert all(isinstance(p, nn.Parameter) for p in ours)  # tensors are wrapped
    assert repr(ours) == repr(theirs).replace("torch.", "minigrad.")
    ours.append(minigrad.ones(1))
    ours += [minigrad.ones(5)]
    ours[0] = minigrad.full((2, 3), 2.0)
    assert len(ours) == 4 and ours[-1].shape == (5,) and float(ours[0].sum()) == 12.0
    assert len(ours[1:3]) == 2 and list(ours.state_dict()) == ["0", "1", "2", "3"]
    assert len(list(ours.parameters())) == 4
    ours.append("not a tensor")  # kept as it is, not a parameter, as in PyTorch
    assert ours[4] == "not a tensor" and len(list(ours.parameters())) == 4
    with pytest.raises(IndexError, match="out of range"):
        ours[7]
    with pytest.raises(TypeError, match="iterable"):
        ours.extend(minigrad.ones(3))
    with pytest.raises(RuntimeError, match="should not be called"):
        ours(minigrad.ones(1))
    assert repr(nn.ParameterList()) == "ParameterList()"


def test_parameter_dict_protocol_and_repr() -> None:
    ours = nn.ParameterDict({"b": minigrad.ones(2), "a": nn.Parameter(minigrad.zeros(3, 1))})
    assert list(ours) == ["b", "a"] and "a" in ours and len(ours) == 2
    assert list(ours.state_dict()) == ["b", "a"]
    assert repr(ours).splitlines()[1] == "    (b): Parameter containing: [minigrad.float32 of " \
                                         "size 2]"
    ours["c"] = minigrad.ones(1)
    ours.update([("d", minigrad.ones(2))])
    assert [k for k, _ in ours.items()] == ["b", "a", "c", "d"]
    assert ours.pop("c").shape == (1,) and "c" not in ours
    assert ours.get("missing") is None and ours.setdefault("e", minigrad.ones(1)).shape == (1,)
    assert ours.popitem()[0] == "e"
    copied = ours.copy()
    assert copied["a"] is ours["a"]
    del ours["a"]
    assert list(ours.keys()) == ["b", "d"] and len(list(ours.parameters())) == 2
    with pytest.raises(KeyError, match="no parameter 'a'"):
        ours["a"]
    with pytest.raises(KeyError, match="already exists"):
        ours["keys"] = minigrad.ones(1)  # a method's name, refused as PyTorch does
    with pytest.raises(TypeError, match=r"element #0 should be a \(name, value\) pair"):
        ours.update([minigrad.ones(1)])
    ours.clear()
    assert len(ours) == 0 and not list(ours.parameters())


@pytest.mark.parametrize(("name", "shape", "channels"), [
    ("dropout1d", (4, 50, 30), 2), ("dropout2d", (4, 50, 5, 6), 2),
    ("dropout3d", (4, 50, 2, 3, 5), 2), ("dropout1d", (50, 30), 1)])
def test_channel_dropouts_zero_whole_channels(name: str, shape: tuple[int, ...],
                                              channels: int) -> None:
    x = minigrad.ones(*shape)
    out = getattr(F, name)(x, 0.4).numpy()
    per_channel = out.reshape(*shape[:channels], -1)
    assert numpy.isclose(numpy.unique(per_channel), [0.0, 1 / 0.6]).all()
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # a channel is all or nothing
    assert 0.25 < (per_channel[..., 0] == 0).mean() < 0.55
    assert getattr(F, name)(x, 0.4, training=False) is x


def test_channel_dropout_layers_and_errors() -> None:
    for name in ("Dropout1d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        assert repr(getattr(nn, name)(0.2, True)) == repr(getattr(torch.nn, name)(0.2, True))
    with pytest.raises(ValueError, match="dropout1d: expected a 2-D or 3-D input"):
        F.dropout1d(minigrad.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="dropout3d: expected a 4-D or 5-D input"):
        nn.Dropout3d()(minigrad.randn(2, 3, 4))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.alpha_dropout(minigrad.randn(3), 1.5, True)
    with pytest.raises(ValueError, match="batch and a channel"):
        F.feature_alpha_dropout(minigrad.randn(3), 0.5, True)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_keeps_the_mean_and_variance_as_pytorch_does(p: float) -> None:
    x = numpy.random.default_rng(0).standard_normal(200_000)
    ours = F.alpha_dropout(to_minigrad(x), p, training=True).numpy()
    theirs = TF.alpha_dropout(to_torch(x), p, training=True).numpy()
    for sample in (ours, theirs):
        assert abs(sample.mean()) < 0.02 and abs(sample.var() - 1) < 0.02
    # the same value for the dropped units, the same affine map x -> a x + b of the kept ones
    maps = []
    for sample in (ours, theirs):
        values, counts = numpy.unique(sample, return_counts=True)
        dropped = values[counts.argmax()]
        kept = sample != dropped
        assert abs(kept.mean() - (1 - p)) < 0.01
        a, b = numpy.polyfit(x[kept], sample[kept], 1)
        maps.append((dropped, a, b))
    numpy.testing.assert_allclose(maps[0], maps[1], rtol=1e-6)


def test_alpha_dropout_layers_and_gradients() -> None:
    layer = nn.AlphaDropout(0.3)
    x = minigrad.randn(1000, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    grads = numpy.unique(numpy.round(x.grad.numpy(), 12))
    assert len(grads) == 2 and grads[0] == 0.0  # dropped units get no gradient
    assert layer.eval()(x) is x
    features = F.feature_alpha_dropout(minigrad.randn(8, 40, 3, 3), 0.5, True).numpy()
    dropped = numpy.isclose(features.reshape(8, 40, 9), features[..., :1, :1].reshape(8, 40, 1))
    assert dropped.all(-1).any()  # whole channels share the dropped value
    assert F.alpha_dropout(minigrad.randn(3), 1.0, True).tolist() == [0.0, 0.0, 0.0]
