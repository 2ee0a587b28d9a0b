"""Layers, init, containers and gradient clipping, on every backend."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck

f64 = minigrad.float64


def host(t: minigrad.Tensor) -> numpy.ndarray:
    return t.detach().numpy()


def randn(*shape: int, requires_grad: bool = False) -> minigrad.Tensor:
    return minigrad.randn(*shape, dtype=f64, requires_grad=requires_grad)


# --- linear --------------------------------------------------------------------------------------
def test_linear_forward_init_and_gradients(backend: minigrad.backends.Backend) -> None:
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    assert str(layer.weight.device) == backend.device
    bound = 1 / math.sqrt(5)
    assert float(layer.weight.abs().max()) <= bound and float(layer.bias.abs().max()) <= bound
    x = minigrad.randn(2, 4, 5)
    expected = host(x) @ host(layer.weight).T + host(layer.bias)
    numpy.testing.assert_allclose(host(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert nn.Linear(5, 3, bias=False).bias is None
    w, b, xin = randn(3, 5, requires_grad=True), randn(3, requires_grad=True), \
        randn(2, 4, 5, requires_grad=True)
    assert gradcheck(F.linear, [xin, w, b])
    assert gradgradcheck(F.linear, [xin, w, b])
    assert gradcheck(lambda a, c: F.linear(a, c), [xin, w])


def test_linear_errors(backend: minigrad.backends.Backend) -> None:
    with pytest.raises(RuntimeError, match=r"input of shape \(2, 4\) can't be multiplied by "
                                           r"weight of shape \(3, 5\)"):
        nn.Linear(5, 3)(minigrad.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"bias of shape \(2,\) can't be added to the output of "
                                           r"shape \(2, 3\) \(expected \(3,\)"):
        F.linear(minigrad.randn(2, 5), minigrad.randn(3, 5), minigrad.randn(2))
    with pytest.raises(ValueError, match="non-negative"):
        nn.Linear(-1, 3)


def test_identity_flatten_unflatten(backend: minigrad.backends.Backend) -> None:
    x = minigrad.randn(2, 3, 4, 5)
    assert nn.Identity(7, key=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


# --- activations and dropout ---------------------------------------------------------------------
@pytest.mark.parametrize("module, reference", [
    (nn.ReLU(), lambda a: numpy.maximum(a, 0)),
    (nn.LeakyReLU(0.1), lambda a: numpy.where(a > 0, a, 0.1 * a)),
    (nn.ELU(0.5), lambda a: numpy.where(a > 0, a, 0.5 * (numpy.exp(a) - 1))),
    (nn.Tanh(), numpy.tanh),
    (nn.Sigmoid(), lambda a: 1 / (1 + numpy.exp(-a))),
    (nn.Softmax(dim=1), lambda a: numpy.exp(a) / numpy.exp(a).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda a: a - numpy.log(numpy.exp(a).sum(1, keepdims=True))),
    (nn.GELU(approximate="tanh"), lambda a: 0.5 * a * (1 + numpy.tanh(
        math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))),
    (nn.GELU(), lambda a: a * 0.5 * (1 + numpy.vectorize(math.erf)(a / math.sqrt(2)))),
])
def test_activations(backend: minigrad.backends.Backend, module: nn.Module, reference: object
                     ) -> None:
    x = randn(3, 4, requires_grad=True)
    numpy.testing.assert_allclose(host(module(x)), reference(host(x)), rtol=1e-10,  # type: ignore[operator]
                                  atol=1e-12)
    assert gradcheck(module, [x])
    assert gradgradcheck(module, [x])


def test_inplace_activation_and_implicit_softmax_dim(backend: minigrad.backends.Backend) -> None:
    x = randn(2, 3)
    y = nn.ReLU(inplace=True)(x)
    assert y is x and float(x.min()) >= 0
    leaf = randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor"):
        F.relu(leaf, inplace=True)
    with pytest.warns(UserWarning, match="implicit dimension"):
        out = F.softmax(randn(2, 3))
    numpy.testing.assert_allclose(host(out.sum(1)), [1.0, 1.0])
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_elu_does_not_overflow(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1000.0, -1000.0], dtype=f64, requires_grad=True)
    F.elu(x).sum().backward()
    numpy.testing.assert_allclose(host(x.grad), [1.0, 0.0])


def test_dropout(backend: minigrad.backends.Backend) -> None:
    x = minigrad.ones(200, 50)
    drop = nn.Dropout(0.3)
    y = host(drop(x))
    kept = y[y != 0]
    numpy.testing.assert_allclose(kept, 1 / 0.7, rtol=1e-6)
    assert abs((y == 0).mean() - 0.3) < 0.03
    assert drop.eval()(x) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0
    assert F.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match=r"between 0 and 1, but got 1\.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, -0.1)
    maps = host(nn.Dropout2d(0.5)(minigrad.ones(4, 8, 3, 3)))
    per_channel = maps.reshape(4, 8, 9)
    assert numpy.all(per_channel.min(-1) == per_channel.max(-1))  # whole channels
    with pytest.raises(ValueError, match="3-D"):
        F.dropout2d(minigrad.ones(4, 8))
    xg = randn(5, 4, requires_grad=True)
    minigrad.manual_seed(3)
    out = F.dropout(xg, 0.5)
    out.sum().backward()
    numpy.testing.assert_allclose(host(xg.grad), (host(out) != 0) * 2.0)


# --- normalisation -------------------------------------------------------------------------------
def test_batch_norm_train_and_eval(backend: minigrad.backends.Backend) -> None:
    bn = nn.BatchNorm2d(3).double()
    x = randn(4, 3, 5, 5) * 2 + 1
    out = host(bn(x))
    numpy.testing.assert_allclose(out.mean((0, 2, 3)), 0, atol=1e-10)
    numpy.testing.assert_allclose(out.var((0, 2, 3)), 1, rtol=1e-3)
    data = host(x)
    numpy.testing.assert_allclose(host(bn.running_mean), 0.1 * data.mean((0, 2, 3)), rtol=1e-10)
    numpy.testing.assert_allclose(host(bn.running_var),
                                  0.9 + 0.1 * data.var((0, 2, 3), ddof=1), rtol=1e-10)
    assert int(bn.num_batches_tracked) == 1
    bn.eval()
    expected = (data - host(bn.running_mean)[None, :, None, None]) / numpy.sqrt(
        host(bn.running_var)[None, :, None, None] + 1e-5)
    numpy.testing.assert_allclose(host(bn(x)), expected, rtol=1e-10)
    assert int(bn.num_batches_tracked) == 1
    cumulative = nn.BatchNorm1d(2, momentum=None).double()
    first, second = randn(6, 2), randn(6, 2)
    cumulative(first)
    cumulative(second)
    both = numpy.stack([host(first).mean(0), host(second).mean(0)]).mean(0)
    numpy.testing.assert_allclose(host(cumulative.running_mean), both, rtol=1e-10)
    no_stats = nn.BatchNorm1d(2, affine=False, track_running_stats=False).eval()
    assert no_stats.running_mean is None and not list(no_stats.parameters())
    numpy.testing.assert_allclose(host(no_stats(first)).mean(0), 0, atol=1e-6)


def test_batch_norm_gradients_and_errors(backend: minigrad.backends.Backend) -> None:
    x, w, b = randn(4, 3, 2, requires_grad=True), randn(3, requires_grad=True), \
        randn(3, requires_grad=True)
    assert gradcheck(lambda a, c, d: F.batch_norm(a, None, None, c, d, training=True), [x, w, b])
    assert gradgradcheck(lambda a, c, d: F.batch_norm(a, None, None, c, d, training=True),
                         [x, w, b])
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(minigrad.randn(1, 3))
    with pytest.raises(ValueError, match=r"got an input with 4 channels"):
        nn.BatchNorm2d(3)(minigrad.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="4-D"):
        nn.BatchNorm2d(3)(minigrad.randn(2, 3))
    assert repr(nn.BatchNorm2d(6)) == \
        "BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"


def test_layer_norm(backend: minigrad.backends.Backend) -> None:
    ln = nn.LayerNorm(4).double()
    x = randn(3, 4, requires_grad=True)
    data = host(x)
    expected = (data - data.mean(-1, keepdims=True)) / numpy.sqrt(data.var(-1, keepdims=True)
                                                                  + 1e-5)
    numpy.testing.assert_allclose(host(ln(x)), expected, rtol=1e-10)
    assert gradcheck(ln, [x]) and gradgradcheck(ln, [x])
    assert nn.LayerNorm((2, 4), bias=False).bias is None
    with pytest.raises(RuntimeError, match=r"last dimensions are \(5,\)"):
        nn.LayerNorm(5)(minigrad.randn(3, 4))


def test_embedding(backend: minigrad.backends.Backend) -> None:
    emb = nn.Embedding(6, 3, padding_idx=0).double()
    assert float(emb.weight[0].abs().sum()) == 0
    idx = minigrad.tensor([[0, 2], [2, 5]])
    out = emb(idx)
    numpy.testing.assert_allclose(host(out), host(emb.weight)[host(idx)])
    out.sum().backward()
    grad = host(emb.weight.grad)
    numpy.testing.assert_allclose(grad[:, 0], [0, 0, 2, 0, 0, 1])  # padding row gets nothing
    with pytest.raises(IndexError, match=r"index out of range in self: index 6 is not in \[0, 6\)"):
        emb(minigrad.tensor([6]))
    with pytest.raises(IndexError, match=r"index out of range in self: index -1 is not"):
        emb(minigrad.tensor([0, -1]))  # negative indices are refused, as in torch
    with pytest.raises(TypeError, match="integer tensor"):
        emb(minigrad.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx 9"):
        nn.Embedding(3, 2, padding_idx=9)
    assert repr(emb) == "Embedding(6, 3, padding_idx=0)"


def test_one_hot(backend: minigrad.backends.Backend) -> None:
    out = F.one_hot(minigrad.tensor([0, 2, 1]))
    assert out.dtype == minigrad.int64 and out.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(minigrad.tensor([1]), 4).shape == (1, 4)
    with pytest.raises(ValueError, match="not smaller than num_classes=2"):
        F.one_hot(minigrad.tensor([2]), 2)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(minigrad.tensor([-1]))


# --- conv and pooling layers ---------------------------------------------------------------------
def test_conv_layers(backend: minigrad.backends.Backend) -> None:
    conv = nn.Conv2d(2, 4, 3, stride=2, padding=1)
    x = minigrad.randn(3, 2, 9, 9)
    out = conv(x)
    assert out.shape == (3, 4, 5, 5)
    numpy.testing.assert_allclose(host(out), host(F.conv2d(x, conv.weight, conv.bias, 2, 1)),
                                  rtol=1e-6)
    bound = 1 / math.sqrt(2 * 9)
    assert float(conv.weight.abs().max()) <= bound
    reflect = nn.Conv2d(2, 4, 3, padding=1, padding_mode="reflect", bias=False)
    expected = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), reflect.weight)
    numpy.testing.assert_allclose(host(reflect(x)), host(expected), rtol=1e-5, atol=1e-6)
    assert "padding_mode=reflect" in repr(reflect) and "bias=False" in repr(reflect)
    assert nn.Conv2d(2, 4, 3, padding="same")(x).shape == (3, 4, 9, 9)
    assert nn.Conv1d(2, 4, 3, padding=1)(minigrad.randn(2, 2, 7)).shape == (2, 4, 7)
    assert nn.Conv2d(4, 8, 3, groups=2).weight.shape == (8, 2, 3, 3)
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")


def test_conv_transpose2d(backend: minigrad.backends.Backend) -> None:
    up = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    assert up.weight.shape == (4, 2, 3, 3)
    x = minigrad.randn(1, 4, 5, 5)
    assert up(x).shape == (1, 2, 9, 9)
    assert up(x, output_size=(10, 10)).shape == (1, 2, 10, 10)
    assert up(x, output_size=(1, 2, 10, 9)).shape == (1, 2, 10, 9)
    # as torch's layer: output_padding (the size above the smallest) stays below the stride
    with pytest.raises(ValueError, match=r"valid sizes range from \(9, 9\) to \(10, 10\)"):
        up(x, output_size=(11, 11))
    with pytest.raises(ValueError, match=r"valid sizes range from \(9, 9\) to \(10, 10\)"):
        up(x, output_size=(8, 9))
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements, got 1"):
        up(x, output_size=(10,))
    dilated = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, dilation=3)
    with pytest.raises(ValueError, match=r"from \(11, 11\) to \(12, 12\)"):
        dilated(minigrad.zeros(1, 1, 4, 4), output_size=(13, 13))  # stride bounds, not dilation
    with pytest.raises(ValueError, match="zeros"):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")


def test_pooling_layers(backend: minigrad.backends.Backend) -> None:
    x = minigrad.randn(2, 3, 8, 8)
    data = host(x)
    blocks = data.reshape(2, 3, 4, 2, 4, 2)
    numpy.testing.assert_allclose(host(nn.MaxPool2d(2)(x)), blocks.max((3, 5)))
    numpy.testing.assert_allclose(host(nn.MinPool2d(2)(x)), blocks.min((3, 5)))
    numpy.testing.assert_allclose(host(nn.AvgPool2d(2)(x)), blocks.mean((3, 5)), rtol=1e-6)
    numpy.testing.assert_allclose(host(nn.LPPool2d(2, 2)(x)),
                                  numpy.sqrt((blocks**2).sum((3, 5))), rtol=1e-5)
    assert nn.AdaptiveAvgPool2d((3, 2))(x).shape == (2, 3, 3, 2)
    assert nn.AdaptiveMaxPool2d(1)(x).shape == (2, 3, 1, 1)
    for size in [(5, 7), (1, 1), (9, 4)]:
        y = minigrad.randn(2, 3, *size)
        numpy.testing.assert_allclose(host(nn.GlobalAvgPool2d()(y))[..., 0, 0],
                                      host(y).mean((2, 3)), rtol=1e-5)
        numpy.testing.assert_allclose(host(nn.GlobalMaxPool2d()(y))[..., 0, 0],
                                      host(y).max((2, 3)))
    values, indices = nn.MaxPool2d(2, return_indices=True)(x)
    restored = host(nn.MaxUnpool2d(2)(values, indices))
    assert restored.shape == (2, 3, 8, 8)
    # each 2x2 block holds its maximum once and zeros elsewhere
    numpy.testing.assert_allclose(restored.reshape(2, 3, 4, 2, 4, 2).sum((3, 5)),
                                  blocks.max((3, 5)))
    assert repr(nn.GlobalAvgPool2d()) == "GlobalAvgPool2d()"


# --- containers ----------------------------------------------------------------------------------
def test_sequential() -> None:
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert head(minigrad.ones(4, 2)).shape == (4, 3)
    seq.append(nn.Sigmoid())
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    seq.insert(1, nn.Tanh())
    assert type(seq[1]).__name__ == "Tanh"
    seq[0] = nn.Linear(2, 3)
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_children()] == ["fc", "act"]
    with pytest.raises(IndexError, match="out of range"):
        seq[10]


def test_module_list_and_dict() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers += [nn.Tanh()]
    assert len(layers) == 5 and isinstance(layers[-1], nn.Tanh)
    del layers[0]
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2", "3"]
    assert isinstance(layers[1:], nn.ModuleList)
    with pytest.raises(TypeError, match="iterable of modules"):
        layers.extend(nn.ReLU())  # type: ignore[arg-type]
    heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
    heads["b"] = nn.Linear(2, 3)
    assert list(heads) == ["a", "b"] and "b" in heads and len(heads) == 2
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight",
                                                        "b.bias"]
    assert isinstance(heads.pop("a"), nn.Linear) and list(heads.keys()) == ["b"]
    with pytest.raises(KeyError, match="has no module 'zzz'"):
        heads["zzz"]
    with pytest.raises(TypeError, match=r"\(name, module\) pairs"):
        heads.update([nn.ReLU()])  # type: ignore[list-item]


# --- init ----------------------------------------------------------------------------------------
def test_init_functions(backend: minigrad.backends.Backend) -> None:
    w = minigrad.empty(200, 100)
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 100)
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.9 * bound
    nn.init.kaiming_normal_(w, mode="fan_out")
    assert abs(float(w.std()) - math.sqrt(2 / (1 + 0.01**2)) / math.sqrt(200)) < 0.01
    nn.init.xavier_uniform_(w, gain=2.0)
    assert float(w.abs().max()) <= 2 * math.sqrt(6 / 300)
    nn.init.xavier_normal_(w)
    assert abs(float(w.std()) - math.sqrt(2 / 300)) < 0.005
    nn.init.normal_(w, 3.0, 0.5)
    assert abs(float(w.mean()) - 3.0) < 0.02
    nn.init.uniform_(w, -1, 1)
    assert float(w.min()) >= -1 and float(w.max()) < 1
    nn.init.constant_(w, 0.25)
    assert float(w.min()) == float(w.max()) == 0.25
    nn.init.zeros_(w)
    assert float(w.abs().sum()) == 0
    nn.init.ones_(w)
    assert float(w.sum()) == w.numel()
    p = nn.Parameter(minigrad.empty(3, 3))
    nn.init.kaiming_uniform_(p)  # works on a leaf that requires grad
    assert p.requires_grad and p.is_leaf
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(minigrad.empty(3))
    with pytest.raises(ValueError, match="mode must be"):
        nn.init.kaiming_uniform_(w, mode="fan_avg")


# --- gradient clipping ---------------------------------------------------------------------------
def test_clip_grad(backend: minigrad.backends.Backend) -> None:
    a = nn.Parameter(minigrad.tensor([3.0, 0.0]))
    b = nn.Parameter(minigrad.tensor([0.0, 4.0]))
    (a * a / 2 + b * b / 2).sum().backward()
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert float(total) == pytest.approx(5.0)
    numpy.testing.assert_allclose(host(a.grad), [0.6, 0.0], rtol=1e-5)
    assert float(nn.utils.clip_grad_norm_(a, 10.0)) == pytest.approx(0.6, rel=1e-5)
    assert float(nn.utils.clip_grad_norm_([a, b], 1.0, norm_type=math.inf)) == \
        pytest.approx(0.8, rel=1e-5)
    a.grad = minigrad.tensor([math.nan, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    b.grad = minigrad.tensor([-3.0, 0.5])
    nn.utils.clip_grad_value_([b], 1.0)
    assert b.grad.tolist() == [-1.0, 0.5]
    assert float(nn.utils.clip_grad_norm_([nn.Parameter(minigrad.ones(1))], 1.0)) == 0.0


def test_parameters_to_vector_round_trip() -> None:
    layer = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(layer.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(vec * 0 + 1, layer.parameters())
    assert float(layer.weight.sum()) == 6.0 and float(layer.bias.sum()) == 2.0
    with pytest.raises(ValueError, match="1-D tensor of 8 elements"):
        nn.utils.vector_to_parameters(minigrad.ones(7), layer.parameters())


# --- inplace=True layers backpropagate ------------------------------------------------------
_INPLACE_LAYERS = {
    "relu": (lambda: nn.ReLU(inplace=True), lambda y: numpy.where(y > 0, 1.0, 0.0)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.1, inplace=True), lambda y: numpy.where(y > 0, 1.0, 0.1)),
    "elu": (lambda: nn.ELU(inplace=True), lambda y: numpy.where(y > 0, 1.0, y + 1.0)),
    "dropout": (lambda: nn.Dropout(0.5, inplace=True), lambda y: numpy.where(y != 0, 2.0, 0.0)),
    "dropout2d": (lambda: nn.Dropout2d(0.5, inplace=True),
                  lambda y: numpy.where(y != 0, 2.0, 0.0)),
}


@pytest.mark.parametrize("name", sorted(_INPLACE_LAYERS))
def test_inplace_layers_backward(backend: minigrad.backends.Backend, name: str) -> None:
    make, slope = _INPLACE_LAYERS[name]
    a = randn(2, 3, 4, 4, requires_grad=True)
    y = a * 2.0  # a non-leaf that the layer overwrites
    version = y._version
    out = make()(y)
    assert out is y and y._version == version + 1
    (y * y).sum().backward()  # used to fail: the op had saved the overwritten input
    values = host(y)
    # d/da sum(f(2a)^2) = 2 f(2a) f'(2a) 2, with f' read off the output (ELU: f' = f + 1 < 1)
    numpy.testing.assert_allclose(host(a.grad), 4.0 * values * slope(values), rtol=1e-12)
    if name.startswith("dropout"):
        assert 0 < (values == 0).sum() < values.size  # both kept and dropped elements


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu"])
def test_inplace_activations_match_torch_gradients(name: str) -> None:
    torch = pytest.importorskip("torch")
    data = numpy.random.default_rng(0).standard_normal((2, 3, 4))
    ours = {"relu": lambda y: F.relu(y, inplace=True),
            "leaky_relu": lambda y: F.leaky_relu(y, 0.2, inplace=True),
            "elu": lambda y: F.elu(y, 0.7, inplace=True)}[name]
    theirs = {"relu": lambda y: torch.nn.functional.relu(y, inplace=True),
              "leaky_relu": lambda y: torch.nn.functional.leaky_relu(y, 0.2, inplace=True),
              "elu": lambda y: torch.nn.functional.elu(y, 0.7, inplace=True)}[name]
    a = minigrad.tensor(data, requires_grad=True)
    y = a * 3.0
    ours(y)
    (y * y * a).sum().backward()
    ta = torch.tensor(data, requires_grad=True)
    ty = ta * 3.0
    theirs(ty)
    (ty * ty * ta).sum().backward()
    numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(host(a.grad), ta.grad.numpy(), rtol=1e-12)


def test_inplace_dropout_matches_torch_gradients() -> None:
    torch = pytest.importorskip("torch")
    data = numpy.random.default_rng(1).standard_normal((2, 3, 4, 4))
    for p in (0.3, 1.0):
        a = minigrad.tensor(data, requires_grad=True)
        y = a * 3.0
        F.dropout(y, p, inplace=True)
        (y * y).sum().backward()
        # torch's gradient for the same mask: 2 y * mask / (1 - p) * 3
        ta = torch.tensor(data, requires_grad=True)
        ty = ta * 3.0
        scale = 0.0 if p == 1.0 else 1 / (1 - p)
        mask = torch.tensor((host(y) != 0) * scale)
        ty.mul_(mask)
        (ty * ty).sum().backward()
        numpy.testing.assert_allclose(host(a.grad), ta.grad.numpy(), rtol=1e-12)
