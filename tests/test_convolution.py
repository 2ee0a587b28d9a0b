"""minigrad.backends.convolution: every algorithm, forced, against a direct reference and
PyTorch (forward and both gradients), gradcheck/gradgradcheck through nn.functional.conv2d,
the selection rule, the Winograd transforms, chunking and errors.

Tolerances: float64 results agree with the float64 reference to 1e-10 of the largest
output magnitude; float32 ones to the bound in FLOAT32_TOLERANCE (im2col + GEMM rounds
like any float32 GEMM; Winograd's transforms add rounding, most for F(4x4)).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.backends import convolution
from minigrad.backends.convolution import _gemm, _winograd
from minigrad.testing import gradcheck, gradgradcheck

FLOAT32_TOLERANCE = {"gemm": 1e-5, "winograd_2x2": 2e-5, "winograd_4x4": 1e-4}
FLOAT64_TOLERANCE = 1e-10


class Case(NamedTuple):
    n: int
    c: int
    o: int
    h: int
    w: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    extra: tuple[int, int] = (0, 0)  # input rows/columns past the last window

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        return (self.o, self.c // self.groups, *self.kernel)


# padded inputs; 3x3 stride-1 cases are the ones Winograd computes
CASES = [
    Case(2, 3, 4, 10, 10, (3, 3)),                    # whole 4x4 and 2x2 tiles
    Case(1, 5, 3, 9, 7, (3, 3)),                      # batch 1, odd sizes, partial tiles
    Case(3, 4, 6, 6, 13, (3, 3), groups=2),
    Case(2, 4, 4, 7, 8, (3, 3), groups=4),            # depthwise
    Case(2, 6, 4, 11, 9, (3, 3), extra=(1, 2)),       # grad_input wider than the reach
    Case(1, 2, 3, 3, 3, (3, 3)),                      # a single output position
    Case(2, 3, 4, 12, 11, (3, 3), (2, 2)),
    Case(2, 3, 5, 9, 11, (3, 2), (1, 3), (2, 1)),     # rectangular, mixed stride/dilation
    Case(2, 4, 4, 12, 12, (3, 3), dilation=(2, 2)),
    Case(1, 4, 6, 9, 10, (5, 5), groups=2),
    Case(2, 4, 6, 7, 9, (1, 1)),
    Case(2, 4, 2, 8, 9, (1, 1), (2, 2), groups=2),
    Case(2, 2, 8, 9, 9, (3, 3), (1, 1)),              # few input channels (col2im gradient)
    Case(3, 2, 8, 10, 9, (3, 3), (2, 1), extra=(1, 0)),
]


def ids(cases: list[Case]) -> list[str]:
    return [f"{c.n}x{c.c}x{c.h}x{c.w}-k{c.kernel}-s{c.stride}-d{c.dilation}-g{c.groups}"
            for c in cases]


# --- a reference straight from the definition, in float64 --------------------------------
def taps(case: Case, out_hw: tuple[int, int]) -> Iterator[tuple[int, int, slice, slice]]:
    (sh, sw), (dh, dw), (oh, ow) = case.stride, case.dilation, out_hw
    for i in range(case.kernel[0]):
        for j in range(case.kernel[1]):
            yield (i, j, slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
                   slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def out_hw(case: Case) -> tuple[int, int]:
    (kh, kw), (sh, sw), (dh, dw) = case.kernel, case.stride, case.dilation
    return ((case.h - dh * (kh - 1) - 1) // sh + 1, (case.w - dw * (kw - 1) - 1) // sw + 1)


def grouped(a: numpy.ndarray[Any, Any], groups: int, axis: int) -> numpy.ndarray[Any, Any]:
    shape = a.shape[:axis] + (groups, a.shape[axis] // groups) + a.shape[axis + 1:]
    return a.reshape(shape)


def reference(case: Case, x: Any, w: Any, gy: Any) -> tuple[Any, Any, Any]:
    """y[n,o,p] = sum over its group's c and the taps of w[o,c,i,j] x[n,c,p*s + (i,j)*d],
    and the two gradients of <y, gy>."""
    g = case.groups
    x, w, gy = (a.astype(numpy.float64) for a in (x, w, gy))
    oh, ow = out_hw(case)
    xg, wg, gyg = grouped(x, g, 1), grouped(w, g, 0), grouped(gy, g, 1)
    y = numpy.zeros((case.n, g, case.o // g, oh, ow))
    gx = numpy.zeros_like(xg)
    gw = numpy.zeros_like(wg)
    for i, j, rows, cols in taps(case, (oh, ow)):
        window = xg[:, :, :, rows, cols]  # (n, g, c/g, oh, ow)
        y += numpy.einsum("gkc,ngcyx->ngkyx", wg[:, :, :, i, j], window)
        gx[:, :, :, rows, cols] += numpy.einsum("gkc,ngkyx->ngcyx", wg[:, :, :, i, j], gyg)
        gw[:, :, :, i, j] = numpy.einsum("ngkyx,ngcyx->gkc", gyg, window)
    return (y.reshape(case.n, case.o, oh, ow), gx.reshape(x.shape), gw.reshape(w.shape))


def arrays(case: Case, dtype: Any, seed: int = 0) -> tuple[Any, Any, Any]:
    rng = numpy.random.default_rng(seed)
    x = rng.standard_normal((case.n, case.c, case.h, case.w)).astype(dtype)
    w = rng.standard_normal(case.weight_shape).astype(dtype)
    gy = rng.standard_normal((case.n, case.o, *out_hw(case))).astype(dtype)
    return x, w, gy


def run_kernels(case: Case, x: Any, w: Any, gy: Any, xp: Any = numpy) -> tuple[Any, Any, Any]:
    s, d, g = case.stride, case.dilation, case.groups
    # the reach of the windows, plus the rows and columns of case.extra
    in_hw = (case.h + case.extra[0], case.w + case.extra[1])
    x_wide = numpy.zeros((*x.shape[:2], *in_hw), dtype=x.dtype)
    x_wide[:, :, : case.h, : case.w] = x
    y = convolution.conv2d(xp, x, w, s, d, g)
    gx = convolution.conv2d_grad_input(xp, gy, w, in_hw, s, d, g)
    gw = convolution.conv2d_grad_weight(xp, gy, x_wide, case.kernel, s, d, g)
    assert gx.shape == x_wide.shape
    assert not gx[:, :, case.h :].any() and not gx[:, :, :, case.w :].any()
    return y, gx[:, :, : case.h, : case.w], gw


def assert_matches(got: Any, expected: Any, tolerance: float, what: str) -> None:
    assert got.shape == expected.shape, what
    scale = max(float(numpy.abs(expected).max()), 1.0)
    error = float(numpy.abs(got.astype(numpy.float64) - expected).max())
    assert error <= tolerance * scale, f"{what}: error {error:.3g} > {tolerance} * {scale:.3g}"


def applicable(case: Case, algorithm: str) -> bool:
    return convolution.applies(algorithm, case.kernel, case.stride, case.dilation,
                               numpy.float32)


# every case with every algorithm that computes it
RUNS = [pytest.param(case, algorithm, id=f"{name}-{algorithm}")
        for case, name in zip(CASES, ids(CASES))
        for algorithm in convolution.ALGORITHMS if applicable(case, algorithm)]


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case, algorithm", RUNS)
def test_kernels_match_the_definition(case: Case, algorithm: str, dtype: Any) -> None:
    x, w, gy = arrays(case, dtype)
    with convolution.use_algorithm(algorithm):
        got = run_kernels(case, x, w, gy)
    tolerance = FLOAT64_TOLERANCE if dtype == numpy.float64 else FLOAT32_TOLERANCE[algorithm]
    for name, mine, expected in zip(("forward", "grad_input", "grad_weight"), got,
                                    reference(case, x, w, gy)):
        assert mine.dtype == dtype, name
        assert_matches(mine, expected, tolerance, f"{algorithm} {name}")


@pytest.mark.parametrize("case, algorithm", RUNS)
def test_kernels_match_pytorch(case: Case, algorithm: str) -> None:
    torch = pytest.importorskip("torch")
    x, w, gy = arrays(case, numpy.float32, seed=1)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, stride=case.stride, dilation=case.dilation,
                                    groups=case.groups)
    ty.backward(torch.tensor(gy))
    with convolution.use_algorithm(algorithm):
        got = run_kernels(case, x, w, gy)
    theirs = (ty.detach().numpy(), tx.grad.numpy(), tw.grad.numpy())
    for name, mine, expected in zip(("forward", "grad_input", "grad_weight"), got, theirs):
        assert_matches(mine, expected.astype(numpy.float64), FLOAT32_TOLERANCE[algorithm],
                       f"{algorithm} {name}")


# top, bottom, left, right; the last is wider than the reach of the 3x3 kernels, so some
# rows of the output gradient fall only on padding
PADDINGS = [(1, 1, 1, 1), (0, 2, 3, 0), (4, 1, 0, 5)]


@pytest.mark.parametrize("padding", PADDINGS, ids=str)
@pytest.mark.parametrize("case, algorithm", RUNS)
def test_padding_inside_the_kernels(case: Case, algorithm: str,
                                    padding: tuple[int, int, int, int]) -> None:
    """Kernels given ``padding`` (which pad chunk by chunk and crop the input gradient as
    they write it) equal the kernels on an explicitly zero-padded copy of the input."""
    x, w, _ = arrays(case, numpy.float64)
    top, bottom, left, right = padding
    padded = numpy.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    s, d, g = case.stride, case.dilation, case.groups
    with convolution.use_algorithm(algorithm):
        y = convolution.conv2d(numpy, x, w, s, d, g, padding)
        assert_matches(y, convolution.conv2d(numpy, padded, w, s, d, g), 1e-12, "forward")
        gy = numpy.random.default_rng(2).standard_normal(y.shape)
        gx = convolution.conv2d_grad_input(numpy, gy, w, (case.h, case.w), s, d, g, padding)
        full = convolution.conv2d_grad_input(numpy, gy, w, padded.shape[2:], s, d, g)
        assert_matches(gx, full[:, :, top : top + case.h, left : left + case.w], 1e-12,
                       "grad_input")
        gw = convolution.conv2d_grad_weight(numpy, gy, x, case.kernel, s, d, g, padding)
        assert_matches(gw, convolution.conv2d_grad_weight(numpy, gy, padded, case.kernel, s,
                                                          d, g), 1e-12, "grad_weight")


def test_winograd_float32_error_with_many_channels() -> None:
    """The documented float32 bounds hold at 256 input channels, where rounding adds up."""
    case = Case(2, 256, 8, 10, 10, (3, 3))
    x, w, gy = arrays(case, numpy.float32)
    expected = reference(case, x, w, gy)
    for algorithm in convolution.ALGORITHMS:
        with convolution.use_algorithm(algorithm):
            got = run_kernels(case, x, w, gy)
        for mine, exact in zip(got, expected):
            assert_matches(mine, exact, FLOAT32_TOLERANCE[algorithm], algorithm)


# --- gradients through the graph -----------------------------------------------------------
GRAD_CASES = [
    # (x shape, weight shape, conv2d keyword arguments)
    ((2, 3, 6, 7), (4, 3, 3, 3), {"padding": 1}),
    ((1, 4, 5, 6), (4, 2, 3, 3), {"padding": (2, 1), "groups": 2}),
    ((2, 2, 7, 6), (3, 2, 3, 3), {"stride": 2, "padding": 1}),
    ((1, 2, 8, 7), (2, 2, 3, 2), {"dilation": (2, 1), "padding": "same"}),
]


@pytest.mark.parametrize("algorithm", convolution.ALGORITHMS)
@pytest.mark.parametrize("config", GRAD_CASES, ids=[str(i) for i in range(len(GRAD_CASES))])
def test_gradcheck_through_conv2d(algorithm: str, config: tuple[Any, ...]) -> None:
    x_shape, w_shape, kwargs = config
    minigrad.manual_seed(0)
    x = minigrad.randn(*x_shape, dtype=minigrad.float64).requires_grad_()
    w = minigrad.randn(*w_shape, dtype=minigrad.float64).requires_grad_()
    with convolution.use_algorithm(algorithm):
        assert gradcheck(lambda a, b: F.conv2d(a, b, **kwargs), [x, w])
        # squared, so that the upstream gradient depends on x and w and all three kernels
        # are differentiated again
        assert gradgradcheck(lambda a, b: F.conv2d(a, b, **kwargs) ** 2, [x, w])


@pytest.mark.parametrize("algorithm", ["winograd_2x2", "winograd_4x4"])
def test_forcing_runs_the_forced_algorithm(algorithm: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    for name in ("forward", "grad_input", "grad_weight"):
        original = getattr(_winograd, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kw)

        monkeypatch.setattr(_winograd, name, spy)
    x = minigrad.randn(2, 3, 6, 6, requires_grad=True)
    w = minigrad.randn(4, 3, 3, 3, requires_grad=True)
    with convolution.use_algorithm(algorithm):
        F.conv2d(x, w, padding=1).sum().backward()
    assert calls == ["forward", "grad_input", "grad_weight"]
    calls.clear()
    F.conv2d(x, w, padding=1).sum().backward()  # 3 channels: the automatic pick is gemm
    assert calls == []


def test_forcing_falls_back_where_the_algorithm_does_not_apply() -> None:
    x, w = minigrad.randn(1, 2, 7, 7), minigrad.randn(3, 2, 5, 5)
    with convolution.use_algorithm("winograd_4x4"):
        assert convolution.select("forward", (1, 2, 7, 7), (3, 2, 5, 5), (1, 1), (1, 1), 1,
                                  numpy.float32) == "gemm"
        forced = F.conv2d(x, w)
    numpy.testing.assert_allclose(forced.numpy(), F.conv2d(x, w).numpy(), rtol=1e-6)


def test_use_algorithm_nests_and_restores() -> None:
    shape, weight = (8, 32, 18, 18), (32, 32, 3, 3)
    pick = lambda: convolution.select("forward", shape, weight, (1, 1), (1, 1), 1,  # noqa: E731
                                      numpy.float32)
    assert pick() == "winograd_4x4"
    with convolution.use_algorithm("gemm"):
        assert pick() == "gemm"
        with convolution.use_algorithm(None):
            assert pick() == "winograd_4x4"
        assert pick() == "gemm"
    assert pick() == "winograd_4x4"


# --- the selection rule -------------------------------------------------------------------
W4, GEMM = "winograd_4x4", "gemm"


@pytest.mark.parametrize("x_shape, w_shape, stride, groups, dtype, expected", [
    ((32, 64, 34, 34), (64, 64, 3, 3), (1, 1), 1, numpy.float32, (W4, W4, W4)),
    ((64, 128, 10, 10), (128, 128, 3, 3), (1, 1), 1, numpy.float64, (W4, W4, W4)),
    ((1, 128, 10, 10), (128, 128, 3, 3), (1, 1), 1, numpy.float32, (GEMM,) * 3),  # 64 positions
    ((8, 16, 34, 34), (16, 16, 3, 3), (1, 1), 1, numpy.float32, (GEMM, GEMM, W4)),
    ((64, 3, 34, 34), (32, 3, 3, 3), (1, 1), 1, numpy.float32, (GEMM,) * 3),   # few channels
    ((64, 64, 34, 34), (64, 64, 3, 3), (2, 2), 1, numpy.float32, (GEMM,) * 3),  # strided
    ((64, 64, 34, 34), (64, 1, 3, 3), (1, 1), 64, numpy.float32, (GEMM,) * 3),  # depthwise
    ((64, 64, 5, 5), (64, 64, 3, 3), (1, 1), 1, numpy.float32, (GEMM,) * 3),    # 3x3 output
    ((64, 64, 34, 34), (64, 64, 3, 3), (1, 1), 1, numpy.float16, (GEMM,) * 3),
    ((64, 64, 36, 36), (64, 64, 5, 5), (1, 1), 1, numpy.float32, (GEMM,) * 3),
])
def test_select(x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: tuple[int, int],
                groups: int, dtype: Any, expected: tuple[str, str, str]) -> None:
    picked = tuple(convolution.select(kernel, x_shape, w_shape, stride, (1, 1), groups, dtype)
                   for kernel in convolution.KERNELS)
    assert picked == expected


def test_float16_runs_through_gemm() -> None:
    case = Case(2, 3, 4, 8, 8, (3, 3))
    x, w, gy = arrays(case, numpy.float16)
    with convolution.use_algorithm("winograd_4x4"):
        got = run_kernels(case, x, w, gy)
    for mine, exact in zip(got, reference(case, x, w, gy)):
        assert mine.dtype == numpy.float16
        assert_matches(mine, exact, 5e-3, "float16")


# --- chunks of the batch ---------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", convolution.ALGORITHMS)
def test_chunks_of_the_batch_with_a_partial_last_one(algorithm: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Two samples per chunk over a batch of five: the last chunk reuses a prefix of every
    buffer, and the zero borders must survive from chunk to chunk."""
    def two(n: int, per_sample_bytes: int) -> int:
        return min(n, 2)

    monkeypatch.setattr(_gemm, "batch_chunk", two)
    monkeypatch.setattr(_winograd, "batch_chunk", two)
    for case in (Case(5, 4, 6, 9, 10, (3, 3), extra=(1, 1)), Case(5, 3, 4, 9, 8, (3, 3), (2, 2)),
                 Case(5, 2, 8, 7, 7, (3, 3))):
        if not applicable(case, algorithm):
            continue
        x, w, gy = arrays(case, numpy.float64)
        with convolution.use_algorithm(algorithm):
            got = run_kernels(case, x, w, gy)
        for mine, exact in zip(got, reference(case, x, w, gy)):
            assert_matches(mine, exact, FLOAT64_TOLERANCE, algorithm)


def test_non_contiguous_inputs() -> None:
    case = Case(2, 4, 6, 8, 9, (3, 3))
    x, w, gy = arrays(case, numpy.float64)
    x_t = numpy.asfortranarray(x)
    gy_t = numpy.asfortranarray(gy)
    expected = reference(case, x, w, gy)
    for algorithm in convolution.ALGORITHMS:
        with convolution.use_algorithm(algorithm):
            got = run_kernels(case, x_t, w, gy_t)
        for mine, exact in zip(got, expected):
            assert_matches(mine, exact, FLOAT64_TOLERANCE, algorithm)


class OtherNamespace:
    """NumPy under another name: the kernels then take the code paths written for any array
    namespace (CuPy's), instead of the NumPy-only byte-row copies."""

    def __getattr__(self, name: str) -> Any:
        return getattr(numpy, name)


@pytest.mark.parametrize("algorithm", convolution.ALGORITHMS)
def test_generic_namespace_paths(algorithm: str) -> None:
    for case in (Case(2, 4, 6, 9, 10, (3, 3), extra=(1, 1)), Case(3, 4, 4, 8, 8, (3, 3))):
        x, w, gy = arrays(case, numpy.float64)
        with convolution.use_algorithm(algorithm):
            got = run_kernels(case, x, w, gy, xp=OtherNamespace())
        for mine, exact in zip(got, reference(case, x, w, gy)):
            assert_matches(mine, exact, FLOAT64_TOLERANCE, algorithm)


# --- Winograd's transforms ------------------------------------------------------------------
@pytest.mark.parametrize("m", [2, 4])
def test_winograd_matrices_compute_a_correlation(m: int) -> None:
    at, g, bt = convolution.winograd_matrices(m, 3, _winograd.POINTS[m])
    assert at.shape == (m, m + 2) and g.shape == (m + 2, 3) and bt.shape == (m + 2, m + 2)
    rng = numpy.random.default_rng(0)
    d, k = rng.standard_normal(m + 2), rng.standard_normal(3)
    expected = numpy.array([d[i : i + 3] @ k for i in range(m)])
    numpy.testing.assert_allclose(at @ ((g @ k) * (bt @ d)), expected, rtol=1e-12)
    # integer points give integer input and output transforms
    assert numpy.array_equal(bt, numpy.round(bt)) and numpy.array_equal(at, numpy.round(at))
    tile, kernel = rng.standard_normal((m + 2, m + 2)), rng.standard_normal((3, 3))
    direct = numpy.array([[numpy.sum(tile[i : i + 3, j : j + 3] * kernel) for j in range(m)]
                          for i in range(m)])
    two_d = at @ ((g @ kernel @ g.T) * (bt @ tile @ bt.T)) @ at.T
    numpy.testing.assert_allclose(two_d, direct, rtol=1e-12, atol=1e-12)


def test_winograd_matrices_other_sizes() -> None:
    at, g, bt = convolution.winograd_matrices(3, 2, (0, 1, -1))
    d, k = numpy.arange(4.0), numpy.array([2.0, -1.0])
    numpy.testing.assert_allclose(at @ ((g @ k) * (bt @ d)), [-1.0, 0.0, 1.0], atol=1e-12)


# --- errors ---------------------------------------------------------------------------------
def test_errors() -> None:
    with pytest.raises(ValueError, match="use_algorithm: unknown convolution algorithm"), \
            convolution.use_algorithm("fft"):
        pass
    with pytest.raises(ValueError, match="applies: unknown convolution algorithm 'direct'"):
        convolution.applies("direct", (3, 3), (1, 1), (1, 1), numpy.float32)
    with pytest.raises(ValueError, match="select: kernel must be one of"):
        convolution.select("backward", (1, 1, 5, 5), (1, 1, 3, 3), (1, 1), (1, 1), 1, "f4")
    with pytest.raises(ValueError, match="winograd_matrices: F\\(4, 3\\) needs 5 distinct"):
        convolution.winograd_matrices(4, 3, (0, 1, -1, 2, 2))
    x = numpy.zeros((1, 4, 5, 5))
    with pytest.raises(ValueError, match="conv2d: groups=3 needs in_channels"):
        convolution.conv2d(numpy, x, numpy.zeros((3, 1, 3, 3)), (1, 1), (1, 1), 3)
    with pytest.raises(ValueError, match="conv2d: a window of kernel size 7"):
        convolution.conv2d(numpy, x, numpy.zeros((2, 4, 7, 3)), (1, 1), (1, 1), 1)
    with pytest.raises(ValueError, match="conv2d_grad_input: grad_out has 5 channels"):
        convolution.conv2d_grad_input(numpy, numpy.zeros((1, 5, 3, 3)),
                                      numpy.zeros((2, 4, 3, 3)), (5, 5), (1, 1), (1, 1), 1)
    with pytest.raises(ValueError, match="conv2d_grad_weight: grad_out of spatial size"):
        convolution.conv2d_grad_weight(numpy, numpy.zeros((1, 2, 4, 4)), x, (3, 3), (1, 1),
                                       (1, 1), 1)
    with pytest.raises(ValueError, match="conv2d_grad_weight: groups=3"):
        convolution.conv2d_grad_weight(numpy, numpy.zeros((1, 2, 3, 3)), x, (3, 3), (1, 1),
                                       (1, 1), 3)
    with pytest.raises(ValueError, match=r"padding must be non-negative, got \(0, -1, 0, 0\)"):
        convolution.conv2d(numpy, x, numpy.zeros((2, 4, 3, 3)), (1, 1), (1, 1), 1,
                           (0, -1, 0, 0))
    # with padding 1 the kernel fits: the padded size is what is checked
    assert convolution.conv2d(numpy, x, numpy.zeros((2, 4, 7, 3)), (1, 1), (1, 1), 1,
                              (1, 1, 0, 0)).shape == (1, 2, 1, 3)


@pytest.mark.parametrize("algorithm", ["winograd_2x2", "winograd_4x4"])
def test_workspace_hands_the_transforms_to_the_weight_gradient(
        algorithm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a workspace, the weight gradient reuses the forward pass's transform of the
    input and the input gradient's transform of the output gradient (each computed once),
    and gives the same result as without."""
    case = Case(3, 4, 5, 9, 10, (3, 3))
    x, w, gy = arrays(case, numpy.float64)
    pad = (1, 1, 1, 1)
    gy = numpy.random.default_rng(5).standard_normal((3, 5, 9, 10))
    calls: list[str] = []
    for name in ("transformed_input", "gathered_grad"):
        original = getattr(_winograd._Winograd, name)

        def spy(self: Any, *args: Any, _name: str = name, _original: Any = original,
                **kw: Any) -> Any:
            calls.append(_name)
            return _original(self, *args, **kw)

        monkeypatch.setattr(_winograd._Winograd, name, spy)
    with convolution.use_algorithm(algorithm):
        plain = convolution.conv2d_grad_weight(numpy, gy, x, (3, 3), (1, 1), (1, 1), 1, pad)
        calls.clear()
        workspace = convolution.Workspace()
        convolution.conv2d(numpy, x, w, (1, 1), (1, 1), 1, pad, workspace)
        convolution.conv2d_grad_input(numpy, gy, w, (9, 10), (1, 1), (1, 1), 1, pad,
                                      workspace)
        assert set(workspace) == {"input", "grad"}
        reused = convolution.conv2d_grad_weight(numpy, gy, x, (3, 3), (1, 1), (1, 1), 1, pad,
                                                workspace)
    assert calls == ["transformed_input", "gathered_grad"]  # once each, in the kernels
    assert set(workspace) == {"input"}  # the output gradient's part was used up
    numpy.testing.assert_allclose(reused, plain, rtol=1e-12, atol=1e-12)
    # a workspace from another plan (another tile size) is not used
    with convolution.use_algorithm("winograd_2x2" if algorithm == "winograd_4x4"
                                   else "winograd_4x4"):
        other = convolution.conv2d_grad_weight(numpy, gy, x, (3, 3), (1, 1), (1, 1), 1, pad,
                                               workspace)
    numpy.testing.assert_allclose(other, plain, rtol=1e-9, atol=1e-9)


def test_the_conv_node_drops_its_workspace_with_its_saved_tensors() -> None:
    x = minigrad.randn(2, 32, 8, 8, requires_grad=True)
    w = minigrad.randn(32, 32, 3, 3, requires_grad=True)
    with convolution.use_algorithm("winograd_4x4"):
        y = F.conv2d(x, w, padding=1)
        node = y.grad_fn
        assert "input" in node.workspace
        y.sum().backward(retain_graph=True)
        assert "input" in node.workspace  # kept for another backward
        first = w.grad.numpy().copy()
        w.grad = None
        y.sum().backward()
    numpy.testing.assert_allclose(w.grad.numpy(), first, rtol=1e-6)
    assert node.workspace is None
    with minigrad.no_grad():
        assert F.conv2d(x, w, padding=1).grad_fn is None
