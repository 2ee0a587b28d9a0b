"""The autograd engine: accumulation, grad(), higher order, hooks, errors, big graphs."""

from __future__ import annotations

import numpy
import pytest

import minigrad
from minigrad.testing import assert_close


def test_gradients_accumulate_across_backward_calls(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert_close(x.grad, [5.0, 7.0])


def test_shared_weight_gradient_is_sum_over_uses(backend: minigrad.backends.Backend) -> None:
    # seed 000: a weight used at several places gets the sum of the per-use gradients
    w = minigrad.tensor(2.0, requires_grad=True)
    x = minigrad.tensor([1.0, 3.0, 5.0])
    (w * x).sum().backward()
    assert w.grad is not None and w.grad.item() == 9.0


def test_grad_returns_without_touching_dot_grad(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = minigrad.grad((x**2).sum(), x)
    assert g is not None
    assert_close(g, [2.0, 4.0])
    assert x.grad is None


def test_grad_of_non_leaf_input(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (gh,) = minigrad.grad((h * h).sum(), h)
    assert_close(gh, [6.0, 12.0])


def test_grad_unused_input(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor(1.0, requires_grad=True)
    y = minigrad.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        minigrad.grad(x * 2, [x, y])
    assert minigrad.grad(x * 2, [x, y], allow_unused=True)[1] is None


def test_higher_order_and_hessian_vector_product(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0, 3.0], dtype=minigrad.float64, requires_grad=True)
    f = (x**3).sum()
    (g,) = minigrad.grad(f, x, create_graph=True)
    v = minigrad.tensor([1.0, 0.0, 2.0], dtype=minigrad.float64)
    assert g is not None
    (hv,) = minigrad.grad((g * v).sum(), x)
    assert_close(hv, [6.0, 0.0, 36.0])  # Hessian diag(6x) times v
    (g3,) = minigrad.grad(minigrad.grad((x**3).sum(), x, create_graph=True)[0].sum(), x,
                          create_graph=True)
    assert g3 is not None
    (g4,) = minigrad.grad(g3.sum(), x)
    assert_close(g4, [6.0, 6.0, 6.0])


def test_gradient_penalty_trains(backend: minigrad.backends.Backend) -> None:
    w = minigrad.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
    x = minigrad.tensor([[1.0, 2.0]], requires_grad=True)
    out = (x @ w).tanh().sum()
    (gx,) = minigrad.grad(out, x, create_graph=True)
    assert gx is not None
    penalty = ((gx * gx).sum() - 1) ** 2
    penalty.backward()
    assert w.grad is not None and w.grad.shape == (2, 2)
    assert numpy.isfinite(w.grad.numpy()).all() and abs(w.grad.numpy()).sum() > 0


def test_backward_with_create_graph(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert x.grad is not None and x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == pytest.approx(12.0)


def test_long_chain_backward_is_iterative(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 0.0
    y.backward()
    assert x.grad is not None and x.grad.item() == 1.0


def test_second_backward_without_retain_graph_fails(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, [4.0, 8.0])


def test_saved_tensors_are_freed_after_backward(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    node = y.grad_fn
    y.sum().backward()
    assert node is not None and node._saved is None


def test_non_scalar_backward_needs_gradient(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\)"):
        (x * 2).backward()
    (x * 2).backward(minigrad.tensor([1.0, 10.0]))
    assert_close(x.grad, [2.0, 20.0])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\)"):
        (x * 2).backward(minigrad.ones(3))


def test_backward_on_tensor_without_grad_fails(backend: minigrad.backends.Backend) -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        minigrad.ones(1).sum().backward()


def test_no_grad_context_and_decorator(backend: minigrad.backends.Backend) -> None:
    w = minigrad.ones(2, requires_grad=True)
    with minigrad.no_grad():
        assert not (w * 2).requires_grad
        with minigrad.enable_grad():
            assert (w * 2).requires_grad
    assert (w * 2).requires_grad

    @minigrad.no_grad()
    def infer(t: minigrad.Tensor) -> minigrad.Tensor:
        return t * 2

    assert not infer(w).requires_grad
    assert minigrad.is_grad_enabled()


def test_set_grad_enabled(backend: minigrad.backends.Backend) -> None:
    w = minigrad.ones(2, requires_grad=True)
    with minigrad.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert minigrad.is_grad_enabled()
    minigrad.set_grad_enabled(False)
    assert not minigrad.is_grad_enabled()
    minigrad.set_grad_enabled(True)
    assert (w * 2).requires_grad


def test_detach_and_requires_grad_(backend: minigrad.backends.Backend) -> None:
    x = minigrad.ones(2, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    with pytest.raises(RuntimeError, match="floating-point"):
        minigrad.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating-point"):
        minigrad.tensor([1, 2], requires_grad=True)


def test_retain_grad_and_hooks(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()))
    handle = x.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    assert_close(h.grad, [6.0, 12.0])
    assert seen == [[6.0, 12.0]]
    assert_close(x.grad, [180.0, 360.0])
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert_close(x.grad, [1.0, 1.0])


def test_in_place_on_saved_tensor_is_caught(backend: minigrad.backends.Backend) -> None:
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    a = w * 1
    y = (a * a).sum()  # saves a
    with minigrad.no_grad():
        a += 1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_optimizer_style_update_in_no_grad(backend: minigrad.backends.Backend) -> None:
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    array_before = w.array
    (w * w).sum().backward()
    with minigrad.no_grad():
        w -= 0.1 * w.grad
    assert w.array is array_before  # updated in place, no copy
    assert_close(w, [0.8, 1.6])
    assert w.is_leaf and w.requires_grad


def test_in_place_on_leaf_requiring_grad_is_refused(backend: minigrad.backends.Backend) -> None:
    w = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w += 1
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 3.0


def test_in_place_ops_recorded_in_graph(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(y.detach().clone())  # y = 2x * 2x (second factor constant)
    y.add_(x, alpha=3)
    y.clamp_(max=100.0)
    y.sum().backward()
    assert_close(x.grad, [2 * 2 + 3, 2 * 4 + 3])


def test_data_property(backend: minigrad.backends.Backend) -> None:
    w = minigrad.ones(2, requires_grad=True)
    assert not w.data.requires_grad
    w.data = minigrad.zeros(2)
    assert w.tolist() == [0.0, 0.0] and w.requires_grad


def test_mixed_backends_error_message() -> None:
    from minigrad.backends import Backend

    class Other(Backend):
        name = "other"

        def __init__(self) -> None:
            super().__init__(numpy)

    a = minigrad.ones(2, device="cpu")
    b = minigrad.tensor([1.0, 2.0], device=Other())
    with pytest.raises(RuntimeError, match=r"different backends.*'numpy'.*'other'"):
        a + b


# --- in-place changes and version counters (regressions from the PyTorch comparison) -----

def test_changing_an_input_no_gradient_needs_is_allowed(backend: minigrad.backends.Backend
                                                        ) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * 3  # y's value is not needed: only 3 (a constant) is
    m = y @ minigrad.ones(2, 2)
    y += 1
    (z.sum() + m.sum()).backward()
    assert_close(x.grad, [5.0, 5.0])


def test_detach_shares_the_version_counter(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    x.detach().add_(1)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


def test_views_share_the_version_counter(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    z = (v * v).sum()
    with minigrad.no_grad():
        y += 1  # also changes v's memory
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_recorded_in_place_update_is_seen_by_views(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    view = y[1:]
    y.mul_(2)
    assert view.tolist() == [4.0]
    y.sum().backward()
    assert_close(x.grad, [2.0, 2.0])


def test_recorded_in_place_op_keeps_the_old_value_for_backward(
    backend: minigrad.backends.Backend,
) -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    w = minigrad.tensor([3.0, 4.0], requires_grad=True)
    y = x * 1
    y.mul_(w)  # w's gradient is the value y had before the update
    y.sum().backward()
    assert_close(w.grad, [1.0, 2.0])
    assert_close(x.grad, [3.0, 4.0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0) on purpose
@pytest.mark.parametrize("op", ["zero_", "fill_", "copy_"])
def test_overwrites_ignore_infinite_old_values(backend: minigrad.backends.Backend, op: str
                                               ) -> None:
    x = minigrad.tensor([1.0, 0.0], requires_grad=True)
    y = x.log()  # -inf at 0
    {"zero_": lambda: y.zero_(), "fill_": lambda: y.fill_(2.0),
     "copy_": lambda: y.copy_(minigrad.tensor([3.0, 3.0]))}[op]()
    assert numpy.isfinite(y.detach().numpy()).all()  # not 0 * -inf = NaN
    y.sum().backward()
    assert x.grad is not None and x.grad[0].item() == 0.0  # [1] is log's 0/0, as in PyTorch


def test_backward_twice_through_nodes_that_keep_nothing(backend: minigrad.backends.Backend
                                                        ) -> None:
    x = minigrad.ones(2, requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()  # as in PyTorch: add keeps no tensors, so nothing was freed
    assert_close(x.grad, [2.0, 2.0])


def test_in_place_float_into_int_is_refused(backend: minigrad.backends.Backend) -> None:
    t = minigrad.tensor([1, 2])
    w = minigrad.tensor([0.5, 0.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="int64"):
        t += w
    with pytest.raises(RuntimeError, match="floating-point"):
        t /= 2


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 0 ** -1 in the unused branch
def test_pow_zero_exponent_has_zero_slope(backend: minigrad.backends.Backend) -> None:
    x = minigrad.tensor([0.0, 2.0], requires_grad=True)
    (x**0).sum().backward()
    assert_close(x.grad, [0.0, 0.0])


def test_errors_name_the_op_and_shapes(backend: minigrad.backends.Backend) -> None:
    with pytest.raises(ValueError, match=r"Add on inputs \(2, 3\) float32, \(4,\) float32"):
        minigrad.ones(2, 3) + minigrad.ones(4)


def test_backward_callbacks_run_before_and_after_and_can_be_removed() -> None:
    from minigrad.autograd import register_backward_callback

    seen: list[tuple[str, object]] = []
    w = minigrad.ones(2, requires_grad=True)
    before = register_backward_callback(lambda outs: seen.append(("before", w.grad)), "before")
    after = register_backward_callback(lambda outs: seen.append(("after", w.grad.tolist())))
    (w * 3).sum().backward()
    assert seen == [("before", None), ("after", [3.0, 3.0])]
    before.remove()
    after.remove()
    (w * 3).sum().backward()
    assert len(seen) == 2
    with pytest.raises(ValueError, match="when must be"):
        register_backward_callback(print, "during")


def test_op_observers_see_every_op_until_removed() -> None:
    from minigrad.autograd import observe_ops
    from minigrad.autograd.callbacks import _op_observers

    seen: list[tuple[str, tuple[tuple[int, ...], ...], bool]] = []
    handle = observe_ops(lambda fn, inputs, attrs, result: seen.append(
        (fn.__name__, tuple(tuple(t.shape) for t in inputs), result.grad_fn is not None)))
    x = minigrad.ones(2, 3, requires_grad=True)
    y = (x * 2).sum()
    with minigrad.no_grad():
        x.argmax()
    handle.remove()
    (x + 1).sum()
    assert seen == [("Mul", ((2, 3), ()), True), ("Sum", ((2, 3),), True),
                    ("ArgExtremum", ((2, 3),), False)]
    assert not _op_observers and y.requires_grad
