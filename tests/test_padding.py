"""pad(): the four modes, their gradients (first and second order) and their errors."""

from __future__ import annotations

import numpy
import pytest

import minigrad
from minigrad.backends import Backend
from minigrad.backends.arrays import pad_index
from minigrad.nn.functional import pad
from minigrad.testing import assert_close, gradcheck, gradgradcheck


def leaf(*shape: int) -> minigrad.Tensor:
    return minigrad.randn(*shape, dtype=minigrad.float64).requires_grad_()


ROW = [[1.0, 2.0, 3.0, 4.0]]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("constant", [[0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0]]),
        ("reflect", [[3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0]]),
        ("replicate", [[1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 4.0]]),
        ("circular", [[3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0]]),
    ],
)
def test_modes_on_a_row(backend: Backend, mode: str, expected: list[list[float]]) -> None:
    out = pad(minigrad.tensor(ROW), (2, 1), mode=mode)
    assert out.tolist() == expected


def test_constant_value_and_pairs_from_the_last_dimension(backend: Backend) -> None:
    x = minigrad.ones(1, 2, 2)
    out = pad(x, (1, 0, 0, 2), value=7.0)  # last dim: 1 before; middle dim: 2 after
    assert out.shape == (1, 4, 3)
    assert out.tolist()[0] == [[7.0, 1.0, 1.0], [7.0, 1.0, 1.0], [7.0, 7.0, 7.0],
                               [7.0, 7.0, 7.0]]


def test_two_dimensions_reflect_matches_numpy(backend: Backend) -> None:
    host = numpy.arange(20.0).reshape(1, 1, 4, 5)
    out = pad(minigrad.tensor(host), (2, 1, 3, 2), mode="reflect")
    expected = numpy.pad(host, ((0, 0), (0, 0), (3, 2), (2, 1)), mode="reflect")
    assert_close(out, expected)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_gradients_first_and_second_order(backend: Backend, mode: str) -> None:
    x = leaf(2, 3, 4)
    assert gradcheck(lambda t: pad(t, (2, 3, 1, 2), mode=mode), [x])
    assert gradgradcheck(lambda t: pad(t, (2, 3, 1, 2), mode=mode) ** 2, [x])


def test_border_gradient_accumulates(backend: Backend) -> None:
    # replicate copies the edge element 1 + 2 times on the left, so it gets 3 gradients
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    pad(x, (2, 1), mode="replicate").sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [3.0, 1.0, 2.0]


def test_pad_index_examples() -> None:
    assert pad_index(numpy, 3, 2, 2, "reflect").tolist() == [2, 1, 0, 1, 2, 1, 0]
    assert pad_index(numpy, 3, 3, 3, "circular").tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2]


def test_errors(backend: Backend) -> None:
    x = minigrad.ones(1, 3, 3)
    with pytest.raises(ValueError, match="mode must be one of"):
        pad(x, (1, 1), mode="wrap")
    with pytest.raises(ValueError, match="even number of sizes"):
        pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match="at most 2 per dimension"):
        pad(x, (1,) * 8)
    with pytest.raises(RuntimeError, match=r"padding \(-2, -2\) of dimension 2 would make "
                                           "its size 3 negative"):
        pad(x, (-2, -2))
    with pytest.raises(ValueError, match="reflect padding \\(3, 0\\) of dimension 2 must be "
                                         "smaller than its size 3"):
        pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="may not exceed its size 3"):
        pad(x, (0, 4), mode="circular")
    with pytest.raises(ValueError, match="takes no fill value"):
        pad(x, (1, 1), mode="replicate", value=2.0)


def test_matches_torch(backend: Backend) -> None:
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(3)
    host = rng.standard_normal((2, 3, 5, 4))
    for mode in ("constant", "reflect", "replicate", "circular"):
        sizes = (3, 1, 2, 4)  # within reflect's limit: smaller than W=4 and H=5
        x = minigrad.tensor(host, requires_grad=True)
        xt = torch.tensor(host, requires_grad=True)
        out = pad(x, sizes, mode=mode)
        out_t = torch.nn.functional.pad(xt, sizes, mode=mode)
        assert_close(out.detach(), out_t.detach().numpy())
        g = rng.standard_normal(out.shape)
        out.backward(minigrad.tensor(g))
        out_t.backward(torch.tensor(g))
        assert x.grad is not None
        assert_close(x.grad, xt.grad.numpy())


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_negative_sizes_crop_as_in_torch(mode: str) -> None:
    torch = pytest.importorskip("torch")
    values = numpy.arange(24.0).reshape(1, 2, 3, 4)
    for widths in [(-1, 2, 0, 0), (-2, -1, 1, -1), (0, 1, -1, 1), (-1, -1, -1, 0)]:
        x = minigrad.tensor(values, requires_grad=True)
        xt = torch.tensor(values, requires_grad=True)
        got = pad(x, widths, mode=mode)
        want = torch.nn.functional.pad(xt, widths, mode=mode)
        numpy.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
        (got * got).sum().backward()
        (want * want).sum().backward()
        numpy.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
