"""PyTorch-style custom Functions (static forward/backward on tensors, ctx methods)."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
from minigrad.autograd import Function
from minigrad.autograd.function import once_differentiable
from minigrad.testing import gradcheck, gradgradcheck


def _classes(lib: Any) -> dict[str, type]:
    """The same user Functions written against ``lib`` (minigrad or torch)."""

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, scale: float) -> Any:
            ctx.save_for_backward(x)
            ctx.scale = scale
            return scale * x ** 3

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return grad * 3 * ctx.scale * x ** 2, None

    class MulAdd(lib.autograd.Function):  # two tensor inputs, one gradient each
        @staticmethod
        def forward(ctx: Any, a: Any, b: Any) -> Any:
            ctx.save_for_backward(a, b)
            return a * b + a

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            a, b = ctx.saved_tensors
            return grad * (b + 1), grad * a

    class SplitScale(lib.autograd.Function):  # two differentiable outputs
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2, x * 3

        @staticmethod
        def backward(ctx: Any, g1: Any, g2: Any) -> Any:
            return g1 * 2 + g2 * 3

    class Exp(lib.autograd.Function):  # forward without ctx, setup_context
        @staticmethod
        def forward(x: Any) -> Any:
            return x.exp()

        @staticmethod
        def setup_context(ctx: Any, inputs: Any, output: Any) -> None:
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (out,) = ctx.saved_tensors
            return grad * out

    return {"Cube": Cube, "MulAdd": MulAdd, "SplitScale": SplitScale, "Exp": Exp}


OURS = _classes(minigrad)


def _values(seed: int, *shape: int) -> numpy.ndarray[Any, Any]:
    return numpy.random.default_rng(seed).standard_normal(shape)


def _run(lib: Any, classes: dict[str, type]) -> list[numpy.ndarray[Any, Any]]:
    """Every class used once, gradients of a scalar of all the outputs."""
    x = lib.tensor(_values(0, 3, 4), requires_grad=True)
    y = lib.tensor(_values(1, 4), requires_grad=True)
    a, b = classes["SplitScale"].apply(x)
    total = (classes["Cube"].apply(x, 0.5).sum() + classes["MulAdd"].apply(x, y).sum()
             + (a * b).sum() + classes["Exp"].apply(y).sum())
    total.backward()
    return [total.detach().numpy(), x.grad.numpy(), y.grad.numpy()]


def test_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours = _run(minigrad, OURS)
    theirs = _run(torch, _classes(torch))
    for o, t in zip(ours, theirs):
        numpy.testing.assert_allclose(o, t, rtol=1e-12)


@pytest.mark.parametrize("name", ["Cube", "MulAdd", "SplitScale", "Exp"])
def test_gradients_against_finite_differences(backend: Any, name: str) -> None:
    cls = OURS[name]
    x = minigrad.tensor(_values(2, 2, 3), requires_grad=True)
    y = minigrad.tensor(_values(3, 3), requires_grad=True)
    fn = {"Cube": lambda x, y: cls.apply(x, 1.5), "MulAdd": cls.apply,
          "SplitScale": lambda x, y: cls.apply(x), "Exp": lambda x, y: cls.apply(y)}[name]
    assert gradcheck(fn, [x, y])
    assert gradgradcheck(fn, [x, y])  # backward is written with tensor ops


def test_node_names_and_parents() -> None:
    x = minigrad.ones(3, requires_grad=True)
    out = OURS["Cube"].apply(x * 2, 1.0)
    assert repr(out.grad_fn) == "<CubeBackward>"
    assert out.grad_fn.next_functions[0][0].name == "MulBackward"
    a, b = OURS["SplitScale"].apply(x)
    assert a.grad_fn is not b.grad_fn


def test_no_node_without_grad() -> None:
    x = minigrad.ones(3)
    out = OURS["Cube"].apply(x, 1.0)
    assert out.grad_fn is None and not out.requires_grad
    with minigrad.no_grad():
        assert OURS["Cube"].apply(minigrad.ones(3, requires_grad=True), 1.0).grad_fn is None


def test_needs_input_grad_and_only_reached_outputs() -> None:
    seen: list[Any] = []

    class Probe(Function):
        @staticmethod
        def forward(ctx: Any, a: Any, b: Any, k: int) -> Any:
            seen.append(ctx.needs_input_grad)
            return a * k, b * k

        @staticmethod
        def backward(ctx: Any, ga: Any, gb: Any) -> Any:
            seen.append((ga.tolist(), gb))
            return ga * 2, None, None

    a = minigrad.ones(2, requires_grad=True)
    first, _ = Probe.apply(a, minigrad.ones(2), 2)
    first.sum().backward()
    assert seen[0] == (True, False, False)
    assert seen[1][0] == [1.0, 1.0]
    assert seen[1][1].tolist() == [0.0, 0.0]  # materialised zeros, as in PyTorch
    assert a.grad.tolist() == [2.0, 2.0]


def test_set_materialize_grads_false_passes_none() -> None:
    got: list[Any] = []

    class Two(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.set_materialize_grads(False)
            return x * 1, x * 1

        @staticmethod
        def backward(ctx: Any, g1: Any, g2: Any) -> Any:
            got.append(g2)
            return g1

    x = minigrad.ones(2, requires_grad=True)
    Two.apply(x)[0].sum().backward()
    assert got == [None]


def test_mark_non_differentiable() -> None:
    class SortValues(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            order = minigrad.tensor(numpy.argsort(x.detach().numpy()))
            values = x.gather(0, order)
            ctx.mark_non_differentiable(order)
            ctx.save_for_backward(order)
            return values, order

        @staticmethod
        def backward(ctx: Any, g: Any, _: Any) -> Any:
            (order,) = ctx.saved_tensors
            return g[minigrad.tensor(numpy.argsort(order.numpy()))]

    x = minigrad.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, order = SortValues.apply(x)
    assert not order.requires_grad and values.requires_grad
    (values * minigrad.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_once_differentiable_runs_backward_without_recording() -> None:
    class Square(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = minigrad.tensor([3.0], requires_grad=True)
    (g,) = minigrad.autograd.grad(Square.apply(x), x, create_graph=True)
    assert g.tolist() == [6.0] and not g.requires_grad


def test_returning_an_input_gives_a_new_tensor() -> None:
    class Identity(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * 5

    x = minigrad.ones(2, requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and x.grad_fn is None and x.is_leaf
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_broadcast_gradients_are_summed_back() -> None:
    class AddRow(Function):
        @staticmethod
        def forward(ctx: Any, x: Any, row: Any) -> Any:
            return x + row

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g, g  # g has x's shape; row's gradient must be summed

    x = minigrad.zeros(3, 2, requires_grad=True)
    row = minigrad.zeros(2, requires_grad=True)
    AddRow.apply(x, row).sum().backward()
    assert row.grad.tolist() == [3.0, 3.0]


# --- errors ----------------------------------------------------------------------------------
def _failing(backward_result: Any) -> type:
    class Broken(Function):
        @staticmethod
        def forward(ctx: Any, x: Any, k: float = 1.0) -> Any:
            return x * k

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return backward_result(g)

    return Broken


@pytest.mark.parametrize("result, message", [
    (lambda g: (g.sum().expand(5), None),
     r"BrokenBackward returned an invalid gradient at index 0 - "
     r"got \[5\] but expected shape compatible with \[2\]"),
    (lambda g: (g, g, g), r"incorrect number of gradients \(expected 2, got 3\)"),
    (lambda g: (g, g), r"gradient different from None at position 2, but the corresponding "
                       r"forward input was not a Tensor"),
    (lambda g: g, r"incorrect number of gradients \(expected 2, got 1\)"),
    (lambda g: (g, None, None), None),  # extra Nones are allowed, as in PyTorch
    (lambda g: (1.0, None), r"returned a float as the gradient at index 0"),
])
def test_bad_backward_results_are_named(result: Any, message: str) -> None:
    x = minigrad.ones(2, requires_grad=True)
    out = _failing(result).apply(x, 2.0)
    if message is None:
        out.sum().backward()
        assert x.grad.tolist() == [1.0, 1.0]
        return
    with pytest.raises((RuntimeError, TypeError), match=message):
        out.sum().backward()


def test_save_for_backward_takes_tensors_only() -> None:
    class SavesANumber(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g

    with pytest.raises(TypeError, match="can only save tensors or None, but argument 1 is "
                                        "of type int"):
        SavesANumber.apply(minigrad.ones(2, requires_grad=True))


def test_saved_tensor_changed_in_place_is_caught() -> None:
    x = minigrad.ones(2, requires_grad=True)
    h = x * 1
    out = OURS["Cube"].apply(h, 1.0)
    h.add_(1)
    with pytest.raises(RuntimeError, match=r"CubeBackward: a tensor of shape .* was modified "
                                           "in place"):
        out.sum().backward()


def test_second_backward_needs_retain_graph() -> None:
    x = minigrad.ones(2, requires_grad=True)
    out = OURS["Cube"].apply(x, 1.0).sum()
    out.backward()
    with pytest.raises(RuntimeError, match="CubeBackward: trying to backward through the graph "
                                           "a second time"):
        out.backward()


def test_apply_needs_a_tensor() -> None:
    with pytest.raises(TypeError, match=r"Cube\.apply: expected at least one Tensor argument"):
        OURS["Cube"].apply(2.0, 1.0)
