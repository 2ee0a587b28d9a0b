"""conv2d, conv1d, conv_transpose2d, unfold and fold: values, gradients of first and second
order over a grid of configurations, shape errors, and PyTorch as an oracle when installed."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

import minigrad
from minigrad.backends import Backend
from minigrad.backends.geometry import window_count
from minigrad.functional.conv import Conv2dGradInput, Conv2dGradWeight
from minigrad.nn.functional import conv1d, conv2d, conv_transpose2d, fold, unfold
from minigrad.testing import assert_close, gradcheck, gradgradcheck


def leaf(*shape: int) -> minigrad.Tensor:
    return minigrad.randn(*shape, dtype=minigrad.float64).requires_grad_()


def pair(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)  # type: ignore[return-value]


def reference_conv2d(x: numpy.ndarray, w: numpy.ndarray, stride: Any, pad: tuple[int, ...],
                     dilation: Any, groups: int) -> numpy.ndarray:
    """Loop-over-outputs definition, straight from the formula (pad = top, bottom, l, r)."""
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    x = numpy.pad(x, ((0, 0), (0, 0), (pad[0], pad[1]), (pad[2], pad[3])))
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (wd - dw * (kw - 1) - 1) // sw + 1
    out = numpy.zeros((n, o, oh, ow))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(oh):
            for j in range(ow):
                patch = x[:, g * cg:(g + 1) * cg, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                          j * sw:j * sw + dw * (kw - 1) + 1:dw]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return out


# (N, C, H, W, O, kernel, stride, padding, dilation, groups, bias)
GRID = [
    (1, 2, 5, 6, 3, (3, 3), 1, 0, 1, 1, True),
    (2, 4, 6, 5, 4, (2, 3), 2, 1, 1, 2, False),
    (1, 3, 7, 5, 3, (3, 2), (1, 3), (2, 1), (2, 1), 3, True),  # depthwise, rectangular
    (2, 2, 5, 5, 2, 2, 1, "same", 1, 1, True),  # even kernel: asymmetric padding
    (1, 2, 6, 5, 2, 3, 1, "same", 2, 2, False),
    (1, 2, 4, 4, 2, (2, 3), 2, "full", 1, 1, True),
    (1, 2, 5, 5, 4, 3, 3, "valid", 1, 1, False),
    (1, 4, 4, 5, 4, 1, 1, 0, 1, 4, True),  # 1x1 depthwise
    (2, 1, 6, 6, 2, 3, 2, "full", 2, 1, False),
]


def _resolved(padding: Any, kernel: Any, dilation: Any) -> tuple[int, ...]:
    (kh, kw), (dh, dw) = pair(kernel), pair(dilation)
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "full":
        return (dh * (kh - 1),) * 2 + (dw * (kw - 1),) * 2
    if padding == "same":
        th, tw = dh * (kh - 1), dw * (kw - 1)
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    ph, pw = pair(padding)
    return (ph, ph, pw, pw)


@pytest.mark.parametrize("config", GRID, ids=[str(i) for i in range(len(GRID))])
def test_conv2d_grid(backend: Backend, config: tuple[Any, ...]) -> None:
    n, c, h, w, o, k, s, p, d, g, has_bias = config
    kh, kw = pair(k)
    x, wt = leaf(n, c, h, w), leaf(o, c // g, kh, kw)
    b = leaf(o) if has_bias else None
    out = conv2d(x, wt, b, s, p, d, g)
    expected = reference_conv2d(x.detach().numpy(), wt.detach().numpy(), s,
                                _resolved(p, k, d), d, g)
    if b is not None:
        expected = expected + b.detach().numpy().reshape(1, o, 1, 1)
    assert_close(out.detach(), expected)
    inputs = [x, wt] + ([b] if b is not None else [])
    assert gradcheck(lambda *t: conv2d(t[0], t[1], t[2] if len(t) > 2 else None, s, p, d, g),
                     inputs)
    # squaring makes the upstream gradient depend on x and w, so every face of the
    # conv / grad-input / grad-weight triple is differentiated
    assert gradgradcheck(lambda *t: conv2d(t[0], t[1], None, s, p, d, g) ** 2, inputs[:2])


def test_output_size_formula_and_string_paddings(backend: Backend) -> None:
    x = minigrad.ones(1, 1, 7, 6)
    for kernel in [(3, 3), (2, 4), (4, 1)]:
        w = minigrad.ones(1, 1, *kernel)
        assert conv2d(x, w, padding="valid").shape[2:] == (7 - kernel[0] + 1,
                                                          6 - kernel[1] + 1)
        assert conv2d(x, w, padding="same").shape[2:] == (7, 6)
        assert conv2d(x, w, padding="full").shape[2:] == (7 + kernel[0] - 1, 6 + kernel[1] - 1)
        assert conv2d(x, w, padding="same", dilation=2).shape[2:] == (7, 6)
    # (n + 2p - d(f-1) - 1) // s + 1
    out = conv2d(minigrad.ones(1, 1, 9, 8), minigrad.ones(1, 1, 3, 2), stride=(2, 3),
                 padding=(1, 2), dilation=(2, 1))
    assert out.shape[2:] == ((9 + 2 - 4 - 1) // 2 + 1, (8 + 4 - 1 - 1) // 3 + 1)
    assert window_count(9, 3, 2, 1, 1, 2) == out.shape[2]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_modes(backend: Backend, mode: str) -> None:
    from minigrad.nn.functional import pad

    x, w = leaf(1, 2, 5, 4), leaf(3, 2, 3, 2)
    out = conv2d(x, w, padding=(2, 1), padding_mode=mode)
    manual = conv2d(pad(x, (1, 1, 2, 2), mode=mode), w)
    assert_close(out, manual)
    assert gradcheck(lambda a, b: conv2d(a, b, padding="same", padding_mode=mode), [x, w])
    assert gradgradcheck(lambda a, b: conv2d(a, b, padding=1, padding_mode=mode) ** 2, [x, w])


def test_zero_padding_mode_equals_default(backend: Backend) -> None:
    x, w = leaf(1, 2, 4, 4), leaf(1, 2, 3, 3)
    assert_close(conv2d(x, w, padding=1, padding_mode="zeros"), conv2d(x, w, padding=1))


def test_unbatched_input(backend: Backend) -> None:
    x, w, b = leaf(2, 5, 5), leaf(3, 2, 3, 3), leaf(3)
    out = conv2d(x, w, b, padding=1)
    assert out.shape == (3, 5, 5)
    assert_close(out, conv2d(x.unsqueeze(0), w, b, padding=1)[0])
    assert gradcheck(lambda a, c: conv2d(a, c, padding=1), [x, w])


def test_shared_weight_gradient_is_a_sum_over_positions(backend: Backend) -> None:
    # seed 000: a shared weight's gradient sums its uses; a 1x1 kernel sees every pixel once
    x = minigrad.arange(12.0).reshape(1, 1, 3, 4)
    w = minigrad.ones(1, 1, 1, 1, requires_grad=True)
    conv2d(x, w).sum().backward()
    assert w.grad is not None
    assert w.grad.item() == sum(range(12))


def test_backward_is_correlation_with_flipped_kernel(backend: Backend) -> None:
    # seed 003: dL/dx = full correlation of the output gradient with the flipped kernel
    rng = numpy.random.default_rng(0)
    xh, wh, gh = rng.standard_normal((1, 1, 5, 5)), rng.standard_normal((1, 1, 3, 3)), \
        rng.standard_normal((1, 1, 3, 3))
    x = minigrad.tensor(xh, requires_grad=True)
    conv2d(x, minigrad.tensor(wh)).backward(minigrad.tensor(gh))
    flipped = minigrad.tensor(wh[:, :, ::-1, ::-1].copy())
    assert x.grad is not None
    assert_close(x.grad, conv2d(minigrad.tensor(gh), flipped, padding="full"))


# (N, C_in, H, W, C_out, kernel, stride, padding, output_padding, dilation, groups)
TRANSPOSE_GRID = [
    (2, 4, 3, 3, 2, 3, 2, 1, 1, 1, 2),
    (1, 2, 3, 2, 3, (2, 3), (3, 2), (0, 1), (2, 1), 1, 1),
    (1, 2, 3, 3, 2, 2, 1, 0, 1, 2, 1),  # output_padding >= stride (allowed: < dilation)
    (2, 3, 2, 3, 3, 3, 1, 1, 0, 1, 3),
]


@pytest.mark.parametrize("config", TRANSPOSE_GRID, ids=[str(i) for i in range(4)])
def test_conv_transpose2d_grid(backend: Backend, config: tuple[Any, ...]) -> None:
    n, ci, h, w, co, k, s, p, op, d, g = config
    kh, kw = pair(k)
    x, wt, b = leaf(n, ci, h, w), leaf(ci, co // g, kh, kw), leaf(co)
    out = conv_transpose2d(x, wt, b, s, p, op, g, d)
    size = [(m - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1
            for m, ss, pp, dd, kk, oo in zip((h, w), pair(s), pair(p), pair(d), (kh, kw),
                                             pair(op))]
    assert out.shape == (n, co, *size)
    assert gradcheck(lambda a, c, e: conv_transpose2d(a, c, e, s, p, op, g, d), [x, wt, b])
    assert gradgradcheck(lambda a, c: conv_transpose2d(a, c, None, s, p, op, g, d) ** 2,
                         [x, wt])


def test_conv_transpose_is_the_adjoint_of_conv(backend: Backend) -> None:
    # <conv(x, w), y> == <x, conv_transpose(y, w)>
    x, w, y = leaf(2, 3, 8, 7), leaf(4, 3, 3, 2), leaf(2, 4, 4, 4)
    lhs = (conv2d(x, w, stride=2, padding=1) * y).sum()
    # output_padding picks 8 x 7 among the sizes that stride 2 maps to 4 x 4
    rhs = (x * conv_transpose2d(y, w, stride=2, padding=1, output_padding=1)).sum()
    assert abs(lhs.item() - rhs.item()) < 1e-10


def test_grad_input_and_grad_weight_nodes_directly(backend: Backend) -> None:
    geometry = {"padding": (1, 0, 2, 1), "stride": (2, 1), "dilation": (1, 2), "groups": 2}
    gy, w, x = leaf(1, 4, 3, 3), leaf(4, 1, 2, 2), leaf(1, 2, 5, 4)
    assert gradgradcheck(
        lambda a, b: Conv2dGradInput.apply(a, b, input_size=(5, 4), **geometry) ** 2, [gy, w])
    assert gradgradcheck(
        lambda a, b: Conv2dGradWeight.apply(a, b, kernel_size=(2, 2), **geometry) ** 2, [gy, x])


def test_conv1d(backend: Backend) -> None:
    x, w, b = leaf(2, 4, 9), leaf(6, 2, 3), leaf(6)
    out = conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2)
    assert out.shape == (2, 6, (9 + 2 - 4 - 1) // 2 + 1)
    as2d = conv2d(x.unsqueeze(2), w.unsqueeze(2), b, (1, 2), (0, 1), (1, 2), 2).squeeze(2)
    assert_close(out, as2d)
    assert gradcheck(lambda a, c, e: conv1d(a, c, e, 2, 1, 2, 2), [x, w, b])
    assert gradgradcheck(lambda a, c: conv1d(a, c, None, 1, "same") ** 2, [leaf(1, 2, 6),
                                                                           leaf(2, 2, 4)])
    assert conv1d(x[0], w, padding="full", groups=2).shape == (6, 11)
    with pytest.raises(RuntimeError, match="weight must be 3-D"):
        conv1d(x, w.unsqueeze(0))


def test_unfold_fold(backend: Backend) -> None:
    x = leaf(2, 2, 5, 4)
    cols = unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    # padded 7 x 6 plane, dilated kernel 3 x 3, strides (1, 2): 5 x 2 windows
    assert cols.shape == (2, 2 * 6, 5 * 2)
    assert gradcheck(lambda t: unfold(t, (2, 3), (2, 1), 1, (1, 2)), [x])
    assert gradgradcheck(lambda t: unfold(t, (2, 3), (2, 1), 1, (1, 2)) ** 2, [x])
    c = leaf(2, 12, 10)
    assert gradcheck(lambda t: fold(t, (5, 4), (2, 3), (2, 1), 1, (1, 2)), [c])
    assert gradgradcheck(lambda t: fold(t, (5, 4), (2, 3), (2, 1), 1, (1, 2)) ** 2, [c])
    # fold is the adjoint of unfold
    lhs = (cols * c).sum().item()
    rhs = (x * fold(c, (5, 4), (2, 3), (2, 1), 1, (1, 2))).sum().item()
    assert abs(lhs - rhs) < 1e-10
    # convolution as a matrix product over unfolded patches
    w = leaf(3, 2, 2, 3)
    via_unfold = (w.reshape(3, -1) @ unfold(x, (2, 3))).reshape(2, 3, 4, 2)
    assert_close(via_unfold, conv2d(x, w))
    assert unfold(x[0], 2).shape == (8, 12)
    assert fold(unfold(x[0], 2), (5, 4), 2).shape == (2, 5, 4)


def test_errors_name_the_sizes(backend: Backend) -> None:
    x = minigrad.ones(1, 3, 5, 5)
    with pytest.raises(RuntimeError, match=r"input has 3 channels .* weight \(2, 2, 3, 3\) "
                                           r"with groups=1 expects 2"):
        conv2d(x, minigrad.ones(2, 2, 3, 3))
    with pytest.raises(RuntimeError, match=r"weight \(2, 2, 3, 3\) with groups=2 expects 4"):
        conv2d(x, minigrad.ones(2, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"out_channels 3 .* not divisible by groups=2"):
        conv2d(minigrad.ones(1, 4, 5, 5), minigrad.ones(3, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"kernel \(6 x 3\) is larger than the padded input "
                                           r"\(5 x 5"):
        conv2d(x, minigrad.ones(1, 3, 6, 3))
    with pytest.raises(RuntimeError, match=r"kernel \(5 x 5\) \(dilation \(2, 2\)\) is larger"):
        conv2d(minigrad.ones(1, 3, 4, 4), minigrad.ones(1, 3, 3, 3), dilation=2)
    with pytest.raises(RuntimeError, match=r"weight must be 4-D .* got shape \(2, 3, 3\)"):
        conv2d(x, minigrad.ones(2, 3, 3))
    with pytest.raises(RuntimeError, match=r"expected a 3-D .* or 4-D .* got shape \(5, 5\)"):
        conv2d(minigrad.ones(5, 5), minigrad.ones(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match=r"bias must have shape \(2,\)"):
        conv2d(x, minigrad.ones(2, 3, 3, 3), minigrad.ones(3))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        conv2d(x, minigrad.ones(1, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="padding string must be one of"):
        conv2d(x, minigrad.ones(1, 3, 3, 3), padding="half")
    with pytest.raises(ValueError, match="stride must be at least 1"):
        conv2d(x, minigrad.ones(1, 3, 3, 3), stride=0)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        conv2d(x, minigrad.ones(1, 3, 3, 3), padding_mode="mirror")
    with pytest.raises(TypeError, match="input dtype float32 and weight dtype float64"):
        conv2d(x, minigrad.ones(1, 3, 3, 3, dtype=minigrad.float64))
    with pytest.raises(RuntimeError,
                       match=r"output size -2 x -2 is too small \(input 1 x 1, kernel \(2, 2\)"):
        conv_transpose2d(minigrad.ones(1, 1, 1, 1), minigrad.ones(1, 1, 2, 2), padding=2)
    with pytest.raises(ValueError, match=r"output_padding .* smaller than the stride"):
        conv_transpose2d(x, minigrad.ones(3, 1, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match=r"input has 3 channels .* expects 2"):
        conv_transpose2d(x, minigrad.ones(2, 1, 3, 3))
    with pytest.raises(RuntimeError, match=r"has 7 columns .* 4 x 4 = 16 window positions"):
        fold(minigrad.ones(1, 4, 7), 5, 2)
    with pytest.raises(RuntimeError, match="must be divisible by kh\\*kw = 4"):
        fold(minigrad.ones(1, 6, 16), 5, 2)


def test_float32_stays_float32(backend: Backend) -> None:
    x = minigrad.randn(2, 3, 6, 6, requires_grad=True)
    w = minigrad.randn(4, 3, 3, 3, requires_grad=True)
    out = conv2d(x, w, padding=1)
    assert out.dtype == minigrad.float32
    out.sum().backward()
    assert x.grad is not None and w.grad is not None
    assert x.grad.dtype == minigrad.float32 and w.grad.dtype == minigrad.float32


def test_matches_torch_on_random_configurations(backend: Backend) -> None:
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = numpy.random.default_rng(7)
    for _ in range(25):
        g = int(rng.choice([1, 2]))
        c, o = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        p = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        size = (int(rng.integers(d[0] * (k[0] - 1) + 1, 9)),
                int(rng.integers(d[1] * (k[1] - 1) + 1, 9)))
        n = int(rng.integers(1, 3))
        host = [rng.standard_normal(shape) for shape in
                ((n, c, *size), (o, c // g, *k), (o,))]
        mine = [minigrad.tensor(a, requires_grad=True) for a in host]
        theirs = [torch.tensor(a, requires_grad=True) for a in host]
        out = conv2d(*mine, stride=s, padding=p, dilation=d, groups=g)
        ref = tf.conv2d(*theirs, stride=s, padding=p, dilation=d, groups=g)
        assert_close(out.detach(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
        gy = rng.standard_normal(out.shape)
        out.backward(minigrad.tensor(gy))
        ref.backward(torch.tensor(gy))
        for a, b in zip(mine, theirs):
            assert a.grad is not None
            assert_close(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-10)
        # the transposed convolution of the same geometry
        op = (int(rng.integers(0, max(s[0], d[0]))), int(rng.integers(0, max(s[1], d[1]))))
        wt_host = rng.standard_normal((c, o // g, *k))
        xt_host = rng.standard_normal((n, c, 3, 2))
        pt = (min(p[0], d[0] * (k[0] - 1)), min(p[1], d[1] * (k[1] - 1)))
        xm, wm = minigrad.tensor(xt_host, requires_grad=True), minigrad.tensor(
            wt_host, requires_grad=True)
        xr, wr = torch.tensor(xt_host, requires_grad=True), torch.tensor(
            wt_host, requires_grad=True)
        out = conv_transpose2d(xm, wm, None, s, pt, op, g, d)
        ref = tf.conv_transpose2d(xr, wr, None, s, pt, op, g, d)
        assert_close(out.detach(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
        gy = rng.standard_normal(out.shape)
        out.backward(minigrad.tensor(gy))
        ref.backward(torch.tensor(gy))
        assert xm.grad is not None and wm.grad is not None
        assert_close(xm.grad, xr.grad.numpy(), rtol=1e-10, atol=1e-10)
        assert_close(wm.grad, wr.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_second_order_matches_torch(backend: Backend) -> None:
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(11)
    xh, wh = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 2, 3, 2))
    x, w = minigrad.tensor(xh, requires_grad=True), minigrad.tensor(wh, requires_grad=True)
    xt, wt = torch.tensor(xh, requires_grad=True), torch.tensor(wh, requires_grad=True)
    out = conv2d(x, w, stride=(2, 1), padding="full", dilation=(1, 2), groups=2)
    ref = torch.nn.functional.conv2d(xt, wt, stride=(2, 1), padding=(2, 2), dilation=(1, 2),
                                     groups=2)
    gx, gw = minigrad.grad((out**2).sum(), [x, w], create_graph=True)
    rx, rw = torch.autograd.grad((ref**2).sum(), [xt, wt], create_graph=True)
    hx, hw = minigrad.grad((gx**3).sum() + (gw * gw).sum(), [x, w])
    tx, tw = torch.autograd.grad((rx**3).sum() + (rw * rw).sum(), [xt, wt])
    assert_close(hx, tx.numpy(), rtol=1e-9, atol=1e-9)
    assert_close(hw, tw.numpy(), rtol=1e-9, atol=1e-9)


# --- conv arithmetic helpers --------------------------------------------------------------
def test_conv_output_size() -> None:
    from minigrad.nn.utils.conv_arithmetic import conv_output_size

    assert conv_output_size(32, 5) == 28  # LeNet-5's first layer
    assert conv_output_size(28, 2, stride=2) == 14
    assert conv_output_size(7, 3, stride=2, padding=1) == 4
    assert conv_output_size(7, 3, dilation=2) == 3
    assert conv_output_size(5, 2, stride=2) == 2
    assert conv_output_size(5, 2, stride=2, ceil_mode=True) == 3
    assert conv_output_size(4, 2, stride=2, padding=1, ceil_mode=True) == 3  # not 4
    assert conv_output_size((9, 8), (3, 2), (2, 3), (1, 2), (2, 1)) == (4, 4)
    assert conv_output_size(10, 4, padding="same") == 10
    assert conv_output_size(10, 4, padding="full") == 13
    assert conv_output_size(10, 4, padding="valid") == 7
    with pytest.raises(ValueError, match="does not fit in 4 \\+ padding 0"):
        conv_output_size(4, 5)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        conv_output_size(4, 3, stride=2, padding="same")


def test_receptive_field_with_stand_in_layers() -> None:
    from types import SimpleNamespace as Layer

    from minigrad.nn.utils.conv_arithmetic import receptive_field

    conv = Layer(kernel_size=3, stride=1, padding=1, dilation=1)
    pool = Layer(kernel_size=2, stride=2, padding=0, dilation=1)
    relu = Layer()
    rows = receptive_field([conv, relu, conv, pool, conv], (1, 3, 16, 16))
    assert [r.receptive_field for r in rows] == [(1, 1), (3, 3), (3, 3), (5, 5), (6, 6),
                                                 (10, 10)]
    assert [r.jump for r in rows] == [(1, 1), (1, 1), (1, 1), (1, 1), (2, 2), (2, 2)]
    assert [r.output_size for r in rows][-1] == (8, 8)
    assert rows[-1].start == (0.5, 0.5)  # first unit is centred between pixels 0 and 1
    assert rows[1].name == "0 (SimpleNamespace)"
    dilated = receptive_field([Layer(kernel_size=3, stride=2, padding=0, dilation=2)], (9, 9))
    assert dilated[1].receptive_field == (5, 5) and dilated[1].start == (2.0, 2.0)
    with pytest.raises(ValueError, match="transposed convolution"):
        receptive_field([Layer(kernel_size=2, transposed=True)], (4, 4))


def test_receptive_field_of_lenet_layers() -> None:
    nn = pytest.importorskip("minigrad.nn")
    if not hasattr(nn, "Sequential") or not hasattr(nn, "MaxPool2d"):
        pytest.skip("minigrad.nn layers are not available")
    from minigrad.nn.utils.conv_arithmetic import receptive_field

    model = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120),
    )
    rows = receptive_field(model, (1, 1, 32, 32))
    assert [r.name for r in rows][:2] == ["input", "0 (Conv2d)"]
    assert len(rows) == 7  # stops at Flatten
    assert rows[-1].output_size == (5, 5)
    assert rows[-1].receptive_field == (16, 16)
    assert rows[-1].jump == (4, 4)
    if hasattr(nn, "GlobalAvgPool2d"):
        more = receptive_field(nn.Sequential(nn.Conv2d(1, 2, 3), nn.GlobalAvgPool2d()),
                               (1, 1, 10, 10))
        assert more[-1].receptive_field == (10, 10) and more[-1].output_size == (1, 1)
