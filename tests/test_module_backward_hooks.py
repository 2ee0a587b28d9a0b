"""Module.register_full_backward_hook / register_full_backward_pre_hook against PyTorch.

Each scenario is written once for a framework ``lib`` (minigrad, or torch on the same
weights and inputs) and returns what the hooks saw, as NumPy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
from tests.torch_pairs import copy_state

torch = pytest.importorskip("torch")

RNG = numpy.random.default_rng(0)
IMAGES = RNG.standard_normal((2, 3, 8, 8))


def small_cnn(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5),
    ).double()


def twins() -> dict[str, tuple[Any, Any]]:
    """The same CNN in both frameworks: {"minigrad": (lib, model), "torch": (...)}."""
    minigrad.manual_seed(0)
    ours = small_cnn(minigrad)
    theirs = small_cnn(torch)
    copy_state(ours, theirs)
    return {"minigrad": (minigrad, ours), "torch": (torch, theirs)}


def arrays(values: Any) -> list[Any]:
    return [None if v is None else v.detach().numpy().copy() for v in values]


def assert_same(ours: list[Any], theirs: list[Any]) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
        else:
            assert a is not None and a.shape == b.shape
            numpy.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def both(scenario: Any) -> tuple[Any, Any]:
    results = {name: scenario(lib, model) for name, (lib, model) in twins().items()}
    return results["minigrad"], results["torch"]


def test_hooks_on_a_cnn_see_pytorchs_gradients() -> None:
    def scenario(lib: Any, model: Any) -> list[Any]:
        seen: list[Any] = []
        for layer in (model[0], model[2], model[6]):  # nested in the Sequential
            layer.register_full_backward_hook(
                lambda m, gi, go: seen.extend(["hook", *arrays(gi), *arrays(go)]))
            layer.register_full_backward_pre_hook(
                lambda m, go: seen.extend(["pre", *arrays(go)]))
        model.register_full_backward_hook(lambda m, gi, go: seen.extend(arrays(gi + go)))
        x = lib.tensor(IMAGES, requires_grad=True)
        model(x).pow(2).sum().backward()
        return [*seen, x.grad.numpy()]

    ours, theirs = both(scenario)
    assert [s for s in ours if isinstance(s, str)] == [s for s in theirs if isinstance(s, str)]
    assert_same([s for s in ours if not isinstance(s, str)],
                [s for s in theirs if not isinstance(s, str)])


@pytest.mark.filterwarnings("ignore:Full backward hook is firing:UserWarning")  # PyTorch's
def test_the_first_layer_without_input_grad_gets_none_and_hooks_run_on_outputs() -> None:
    def scenario(lib: Any, model: Any) -> list[Any]:
        seen: list[Any] = []
        model[0].register_full_backward_hook(lambda m, gi, go: seen.extend(arrays(gi + go)))
        model(lib.tensor(IMAGES)).sum().backward()
        return seen

    with pytest.warns(UserWarning, match="none of its inputs requires grad"):
        ours, theirs = both(scenario)
    assert ours[0] is None and len(ours) == 2
    assert_same(ours, theirs)


def test_replacing_grad_input_and_grad_output() -> None:
    def scenario(lib: Any, model: Any) -> list[Any]:
        model[2].register_full_backward_hook(lambda m, gi, go: (gi[0] * 3,))
        model[6].register_full_backward_pre_hook(lambda m, go: (go[0] + 1,))
        x = lib.tensor(IMAGES, requires_grad=True)
        model(x).sum().backward()
        return [x.grad, model[0].weight.grad, model[2].weight.grad, model[6].weight.grad]

    ours, theirs = both(scenario)
    assert_same(arrays(ours), arrays(theirs))
    plain = twins()["minigrad"][1]
    x = minigrad.tensor(IMAGES, requires_grad=True)
    plain(x).sum().backward()
    assert not numpy.allclose(x.grad.numpy(), ours[0].numpy())  # the hooks changed it


class Mix(minigrad.nn.Module):
    """Several inputs (one not a tensor, one not requiring grad) and a tuple of outputs
    (one not a tensor, one unused)."""

    def forward(self, a: Any, scale: float, b: Any, c: Any) -> Any:
        return (a * b).sum(1), scale, a * c * scale, (b + c).exp()


class TorchMix(torch.nn.Module):
    forward = Mix.forward


def test_several_inputs_and_outputs_match_pytorch() -> None:
    values = [RNG.standard_normal((3, 4)) for _ in range(3)]
    results = []
    for lib, module in ((minigrad, Mix()), (torch, TorchMix())):
        seen: list[Any] = []
        module.register_full_backward_pre_hook(
            lambda m, go, seen=seen: seen.append(["pre", *arrays(go)]))
        module.register_full_backward_hook(
            lambda m, gi, go, seen=seen: seen.append([*arrays(gi), *arrays(go)]))
        a = lib.tensor(values[0], requires_grad=True)
        b = lib.tensor(values[1])
        c = lib.tensor(values[2], requires_grad=True)
        first, scale, second, _unused = module(a, 2.0, b, c)
        assert scale == 2.0 and not b.requires_grad
        (first.sum() + second.pow(2).sum()).backward()
        results.append((seen, arrays([a.grad, c.grad])))
    (ours, ours_grads), (theirs, theirs_grads) = results
    assert len(ours) == len(theirs) == 2 and ours[0][0] == theirs[0][0] == "pre"
    assert_same(ours[0][1:], theirs[0][1:])
    assert_same(ours[1], theirs[1])
    assert_same(ours_grads, theirs_grads)


def test_handles_remove_the_hooks_and_prepend_runs_first() -> None:
    layer = minigrad.nn.Linear(3, 2)
    order: list[str] = []
    first = layer.register_full_backward_hook(lambda m, gi, go: order.append("first"))
    layer.register_full_backward_hook(lambda m, gi, go: order.append("front"), prepend=True)
    pre = layer.register_full_backward_pre_hook(lambda m, go: order.append("pre"))
    x = minigrad.ones(2, 3, requires_grad=True)
    layer(x).sum().backward()
    assert order == ["pre", "front", "first"]
    first.remove()
    pre.remove()
    order.clear()
    layer(x).sum().backward()
    assert order == ["front"]


def test_no_hooks_run_when_no_output_requires_grad() -> None:
    layer = minigrad.nn.Linear(3, 2)
    called: list[int] = []
    layer.register_full_backward_hook(lambda *args: called.append(1))
    with minigrad.no_grad():
        out = layer(minigrad.ones(2, 3))
    assert out.grad_fn is None and not called


@pytest.mark.parametrize(("register", "returned", "message"), [
    ("register_full_backward_hook", lambda m, gi, go: (gi[0], gi[0]),
     "Backward hook returned an invalid number of grad_input, got 2, but expected 1"),
    ("register_full_backward_pre_hook", lambda m, go: (go[0], go[0]),
     "Backward pre hook returned an invalid number of grad_output, got 2, but expected 1"),
    ("register_full_backward_pre_hook", lambda m, go: go[0],
     "Backward pre hook returned an invalid number of grad_output"),
])
def test_hooks_returning_the_wrong_number_of_gradients(register: str, returned: Any,
                                                       message: str) -> None:
    for lib in (minigrad, torch):
        layer = lib.nn.Linear(2, 2)
        getattr(layer, register)(returned)
        with pytest.raises(RuntimeError, match=message):
            layer(lib.ones(3, 2, requires_grad=True)).sum().backward()


def test_a_hook_may_not_return_gradients_for_inputs_that_need_none() -> None:
    for lib in (minigrad, torch):
        layer = lib.nn.Linear(2, 2)
        layer.register_full_backward_hook(lambda m, gi, go, lib=lib: (lib.ones(3, 2),))
        with pytest.warns(UserWarning), pytest.raises(
                RuntimeError, match=r"where no input requires gradient|none of the module's"):
            layer(lib.ones(3, 2)).sum().backward()


def test_changing_the_output_of_a_hooked_module_in_place_is_an_error() -> None:
    for lib in (minigrad, torch):
        layer = lib.nn.Linear(2, 2)
        layer.register_full_backward_hook(lambda *args: None)
        out = layer(lib.ones(3, 2))
        with pytest.raises(RuntimeError, match=r"[Oo]utput 0 of BackwardHookFunction is a view"):
            out.relu_()
        with lib.no_grad():
            layer(lib.ones(3, 2)).relu_()  # nothing recorded: allowed


def test_module_outputs_keep_sharing_memory_and_version() -> None:
    layer = minigrad.nn.Identity()
    layer.register_full_backward_hook(lambda *args: None)
    x = minigrad.ones(2, requires_grad=True) * 1
    y = layer(x)
    assert y is not x and numpy.shares_memory(y.detach().numpy(), x.detach().numpy())
    assert y.grad_fn.name == "BackwardHookFunctionBackward"


def grad_cam(lib: Any, model: Any, target_layer: Any, images: Any, category: int) -> Any:
    """Grad-CAM as CNN visualisation scripts write it for PyTorch."""
    kept: dict[str, Any] = {}
    target_layer.register_forward_hook(lambda m, args, out: kept.update(act=out.detach()))
    target_layer.register_full_backward_hook(
        lambda m, gi, go: kept.update(grad=go[0].detach()))
    scores = model(images)
    model.zero_grad()
    scores[:, category].sum().backward()
    weights = kept["grad"].mean(dim=(2, 3), keepdim=True)
    cam = lib.relu((weights * kept["act"]).sum(dim=1))
    return cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-12)


def test_grad_cam_gives_pytorchs_heat_map() -> None:
    maps = {name: grad_cam(lib, model, model[2], lib.tensor(IMAGES), 3).numpy()
            for name, (lib, model) in twins().items()}
    assert maps["minigrad"].shape == (2, 8, 8)
    assert maps["minigrad"].max() == pytest.approx(1.0)
    numpy.testing.assert_allclose(maps["minigrad"], maps["torch"], rtol=1e-9, atol=1e-12)
