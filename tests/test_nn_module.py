"""nn.Module: registration, traversal, modes, conversion, state dicts, hooks and repr."""

from __future__ import annotations

import math
from typing import Any

import numpy
import pytest

import minigrad
from minigrad import nn, optim


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(2 * 3 * 3, 4)
        self.scale = nn.Parameter(minigrad.ones(1))
        self.register_buffer("calls", minigrad.zeros(()))
        self.register_buffer("scratch", minigrad.zeros(2), persistent=False)

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        return self.fc(self.features(x).flatten(1)) * self.scale


def test_registration_and_traversal() -> None:
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "features.0.weight", "features.0.bias", "fc.weight", "fc.bias"]
    assert [n for n, _ in net.named_buffers()] == ["calls", "scratch"]
    assert [n for n, _ in net.named_children()] == ["features", "fc"]
    assert [n for n, _ in net.named_modules()] == [
        "", "features", "features.0", "features.1", "features.2", "fc"]
    assert len(list(net.modules())) == 6
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert net.get_submodule("features.0") is net.features[0]
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        net.get_submodule("features.nope")
    assert "fc" in dir(net) and "calls" in dir(net)


def test_shared_parameters_are_listed_once() -> None:
    layer = nn.Linear(3, 3)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    assert len(list(model.parameters())) == 2
    assert len(list(model.named_parameters(remove_duplicate=False))) == 4


def test_assignment_rules() -> None:
    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(minigrad.ones(1))

    with pytest.raises(AttributeError, match=r"before Module\.__init__"):
        Early()
    net = Net()
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'scale'"):
        net.scale = minigrad.ones(1)
    net.scale = None
    assert "scale" not in [n for n, _ in net.named_parameters()]
    with pytest.raises(TypeError, match="cannot assign int as child module 'fc'"):
        net.fc = 3
    with pytest.raises(TypeError, match="Tensor or None expected"):
        net.calls = 1.0
    with pytest.raises(TypeError, match=r"wrap it: nn\.Parameter"):
        net.register_parameter("extra", minigrad.ones(1))  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="must not contain"):
        net.register_buffer("a.b", minigrad.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        net.register_buffer("fc", minigrad.ones(1))
    del net.fc
    assert "fc" not in dict(net.named_children())
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        _ = net.missing


def test_parameter_shares_memory_and_prints() -> None:
    t = minigrad.zeros(2)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and isinstance(p, minigrad.Tensor)
    t.array[0] = 5.0
    assert float(p[0]) == 5.0
    assert repr(nn.Parameter(minigrad.ones(2))).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(minigrad.ones(1), requires_grad=False).requires_grad


def test_train_eval_zero_grad_requires_grad_and_apply() -> None:
    net = Net()
    assert net.training and net.features[1].training
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="must be a bool"):
        net.train("yes")  # type: ignore[arg-type]
    net(minigrad.randn(2, 1, 8, 8)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen: list[str] = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Conv2d", "ReLU", "MaxPool2d", "Sequential", "Linear", "Net"]


def test_to_dtype_keeps_parameter_identity_for_optimizers() -> None:
    net = Net()
    params = list(net.parameters())
    opt = optim.SGD(net.parameters(), lr=0.1)
    net.double()
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == minigrad.float64 for p in net.parameters())
    assert net.calls.dtype == minigrad.float64
    x = minigrad.randn(2, 1, 8, 8, dtype=minigrad.float64)
    before = net.fc.weight.detach().clone()
    net(x).sum().backward()
    opt.step()
    assert net.fc.weight.dtype == minigrad.float64
    assert float((net.fc.weight - before).abs().sum()) > 0
    net.float()
    assert net.fc.weight.dtype == minigrad.float32
    bn = nn.BatchNorm1d(2).to(minigrad.float64)
    assert bn.num_batches_tracked.dtype == minigrad.int64  # integer buffers keep their type
    assert net.to("numpy") is net and net.to(device="cpu") is net
    with pytest.raises(TypeError, match="floating dtypes"):
        net.to(minigrad.int32)


def test_state_dict_round_trip_and_errors() -> None:
    net, other = Net(), Net()
    state = net.state_dict()
    assert list(state) == ["scale", "calls", "features.0.weight", "features.0.bias",
                           "fc.weight", "fc.bias"]
    assert not state["fc.weight"].requires_grad
    result = other.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in other.state_dict().items():
        numpy.testing.assert_array_equal(value.numpy(), state[key].numpy())

    partial = dict(state)
    del partial["fc.bias"]
    partial["extra.weight"] = minigrad.ones(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "fc.bias"') as info:
        other.load_state_dict(partial)
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in str(info.value)
    result = other.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["fc.bias"] and result.unexpected_keys == ["extra.weight"]

    wrong = dict(state)
    wrong["fc.weight"] = minigrad.zeros(4, 5)
    with pytest.raises(RuntimeError, match=r"size mismatch for fc.weight: copying a param with "
                       r"shape \(4, 5\) from checkpoint, the shape in current model is "
                       r"\(4, 18\)"):
        other.load_state_dict(wrong, strict=False)
    with pytest.raises(TypeError, match="mapping of names"):
        other.load_state_dict([1, 2])  # type: ignore[arg-type]
    bad = dict(state)
    bad["fc.bias"] = [0.0] * 4
    with pytest.raises(RuntimeError, match="expected a Tensor"):
        other.load_state_dict(bad)


def test_load_state_dict_converts_dtype_and_copies() -> None:
    net = nn.Linear(2, 2).double()
    source = nn.Linear(2, 2)
    net.load_state_dict(source.state_dict())
    assert net.weight.dtype == minigrad.float64
    numpy.testing.assert_allclose(net.weight.detach().numpy(),
                                  source.weight.detach().numpy(), rtol=1e-7)
    with minigrad.no_grad():
        source.weight.fill_(3.0)
    assert float(net.weight.abs().max()) < 3.0  # copied, not shared


def test_hooks() -> None:
    layer = nn.Linear(2, 2)
    calls: list[Any] = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = layer(minigrad.ones(3, 2))
    numpy.testing.assert_allclose(out.detach().numpy(),
                                  (layer.bias.detach().numpy() + 1)[None].repeat(3, 0),
                                  rtol=1e-6)
    assert calls == [(3, 2)]
    pre.remove()
    post.remove()
    post.remove()  # a second remove does nothing
    out = layer(minigrad.ones(1, 2))
    assert calls == [(3, 2)]
    with layer.register_forward_hook(lambda m, a, o: calls.append("ctx")):
        layer(minigrad.ones(1, 2))
    layer(minigrad.ones(1, 2))
    assert calls == [(3, 2), "ctx"]


def test_forward_missing_is_a_clear_error() -> None:
    class NoForward(nn.Module):
        pass

    with pytest.raises(TypeError, match="has no forward"):
        NoForward()(minigrad.ones(1))


def test_repr_prints_the_tree() -> None:
    net = Net()
    assert repr(net) == (
        "Net(\n"
        "  (features): Sequential(\n"
        "    (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))\n"
        "    (1): ReLU()\n"
        "    (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
        "  )\n"
        "  (fc): Linear(in_features=18, out_features=4, bias=True)\n"
        ")"
    )


# --- regressions ----------------------------------------------------------------------------
def _model_with_grads() -> nn.Module:
    model = nn.Linear(2, 1)
    with minigrad.no_grad():
        model.weight.copy_(minigrad.tensor([[3.0, 0.0]]))
        model.bias.copy_(minigrad.tensor([0.0]))
    model(minigrad.tensor([[1.0, 1.0]])).sum().backward()  # grads: weight [1, 1], bias [1]
    return model


def test_clip_grad_norm_accepts_a_generator() -> None:
    model = _model_with_grads()
    weight_grad = model.weight.grad
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)  # a one-shot generator
    assert float(total) == pytest.approx(3**0.5)
    scale = 1.0 / (3**0.5 + 1e-6)
    numpy.testing.assert_allclose(model.weight.grad.tolist(), [[scale, scale]], rtol=1e-6)
    numpy.testing.assert_allclose(model.bias.grad.tolist(), [scale], rtol=1e-6)
    assert model.weight.grad is weight_grad  # scaled in place, as torch does
    clip_model = _model_with_grads()
    nn.utils.clip_grad_value_(clip_model.parameters(), 0.5)
    assert clip_model.weight.grad.tolist() == [[0.5, 0.5]]


def test_clip_grad_norm_scales_by_a_nonfinite_norm_like_torch() -> None:
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    w.grad = minigrad.tensor([float("inf"), 1.0])
    assert math.isinf(float(nn.utils.clip_grad_norm_([w], 1.0)))
    grad = w.grad.tolist()
    assert math.isnan(grad[0]) and grad[1] == 0.0  # inf * 0 and 1 * 0, as in torch
    w.grad = minigrad.tensor([float("nan"), 1.0])
    assert math.isnan(float(nn.utils.clip_grad_norm_([w], 1.0)))
    assert all(math.isnan(v) for v in w.grad.tolist())
    w.grad = minigrad.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    torch = pytest.importorskip("torch")
    for values in ([float("inf"), 1.0], [float("nan"), 1.0], [3.0, 4.0]):
        tw = torch.tensor(values)
        tw.grad = torch.tensor(values)
        expected = float(torch.nn.utils.clip_grad_norm_(iter([tw]), 1.0))
        w.grad = minigrad.tensor(values)
        got = float(nn.utils.clip_grad_norm_(iter([w]), 1.0))
        numpy.testing.assert_allclose(got, expected)
        numpy.testing.assert_allclose(w.grad.tolist(), tw.grad.tolist(), rtol=1e-6)


def test_register_refuses_names_of_another_kind() -> None:
    net = nn.Module()
    net.register_buffer("buf", minigrad.zeros(1))
    net.register_parameter("w", nn.Parameter(minigrad.zeros(1)))
    net.add_module("child", nn.ReLU())
    net.plain = 3
    for name in ("buf", "child", "plain", "forward"):
        with pytest.raises(KeyError, match=f"attribute '{name}' already exists"):
            net.register_parameter(name, nn.Parameter(minigrad.zeros(1)))
    for name in ("w", "child", "plain"):
        with pytest.raises(KeyError, match=f"attribute '{name}' already exists"):
            net.register_buffer(name, minigrad.zeros(1))
    for name in ("w", "buf", "plain"):
        with pytest.raises(KeyError, match=f"attribute '{name}' already exists"):
            net.add_module(name, nn.ReLU())
    # the same kind may be registered again (replaced)
    net.register_parameter("w", None)
    net.register_buffer("buf", minigrad.ones(1))
    net.add_module("child", nn.Tanh())
    assert net.w is None and net.buf.tolist() == [1.0] and isinstance(net.child, nn.Tanh)
    torch = pytest.importorskip("torch")
    tnet = torch.nn.Module()
    tnet.register_buffer("buf", torch.zeros(1))
    with pytest.raises(KeyError, match="attribute 'buf' already exists"):
        tnet.register_parameter("buf", torch.nn.Parameter(torch.zeros(1)))


def test_zero_grad_set_to_none_false_zeroes_in_place() -> None:
    model = _model_with_grads()
    opt = optim.SGD(model.parameters(), lr=0.1)
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and grad.tolist() == [[0.0, 0.0]]
    model(minigrad.tensor([[1.0, 2.0]])).sum().backward()
    grad = model.weight.grad
    opt.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and grad.tolist() == [[0.0, 0.0]]
    # a gradient that is part of a graph (create_graph=True) is detached first
    x = minigrad.tensor([2.0], requires_grad=True)
    p = nn.Parameter(minigrad.tensor([1.0]))
    (p * p * x).sum().backward(create_graph=True)
    grad = p.grad
    assert grad.requires_grad
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and not grad.requires_grad and grad.grad_fn is None
    assert grad.tolist() == [0.0]


def test_module_dict_from_and_update_with_module_dict() -> None:
    first = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    copy = nn.ModuleDict(first)
    assert list(copy.keys()) == ["a", "b"] and copy["a"] is first["a"]
    copy.update(nn.ModuleDict({"c": nn.Tanh()}))
    copy.update([["d", nn.Sigmoid()]])  # pairs may be lists, as in torch
    assert list(copy.keys()) == ["a", "b", "c", "d"]
    assert len(list(copy.parameters())) == 2
    with pytest.raises(TypeError, match="element #0"):
        copy.update([("e",)])
