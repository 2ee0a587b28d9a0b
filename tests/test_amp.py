"""minigrad.amp (GradScaler, autocast) and the other mixed-precision and compiler names,
compared with PyTorch where it is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad
from minigrad import nn

# --- GradScaler ------------------------------------------------------------------------


def _pair(torch: object) -> tuple[nn.Linear, object]:
    ours = nn.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)  # type: ignore[attr-defined]
    with torch.no_grad():  # type: ignore[attr-defined]
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))  # type: ignore[attr-defined]
        theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))  # type: ignore[attr-defined]
    return ours, theirs


def test_grad_scaler_matches_pytorch_step_by_step() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    opt_a = minigrad.optim.SGD(ours.parameters(), lr=0.1)
    opt_b = torch.optim.SGD(theirs.parameters(), lr=0.1)
    kwargs = {"init_scale": 2.0**10, "growth_factor": 4.0, "backoff_factor": 0.25,
              "growth_interval": 2}
    scaler_a = minigrad.amp.GradScaler("cpu", **kwargs)
    scaler_b = torch.amp.GradScaler("cpu", **kwargs)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for step in range(7):
        for model, opt, scaler, lib in ((ours, opt_a, scaler_a, minigrad),
                                        (theirs, opt_b, scaler_b, torch)):
            opt.zero_grad()
            loss = (model(lib.tensor(x)) ** 2).mean()
            scaled = scaler.scale(loss)
            assert scaled.item() == pytest.approx(loss.item() * scaler.get_scale(), rel=1e-6)
            scaled.backward()
            if step in (2, 5):  # an overflowed gradient: the step is skipped
                with lib.no_grad():
                    model.weight.grad[0, 0] = float("inf") if step == 2 else float("nan")
            if step == 4:  # unscale first, as for gradient clipping
                scaler.unscale_(opt)
            scaler.step(opt)
            scaler.update()
        assert scaler_a.state_dict() == scaler_b.state_dict(), step
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=1e-5, atol=1e-6)


def test_grad_scaler_skips_the_step_on_inf_and_backs_off() -> None:
    layer = nn.Linear(2, 1)
    before = layer.weight.detach().numpy().copy()
    opt = minigrad.optim.SGD(layer.parameters(), lr=1.0)
    scaler = minigrad.amp.GradScaler("cpu", init_scale=8.0)
    scaler.scale(layer(minigrad.ones(1, 2)).sum()).backward()
    layer.bias.grad.fill_(float("inf"))
    assert scaler.step(opt) is None
    np.testing.assert_array_equal(layer.weight.detach().numpy(), before)
    scaler.update()
    assert scaler.get_scale() == 4.0
    # a clean step: the gradients are divided by the scale before the update
    opt.zero_grad()
    scaler.scale(layer(minigrad.ones(1, 2)).sum()).backward()
    scaler.step(opt)
    np.testing.assert_allclose(layer.weight.detach().numpy(), before - 1.0)
    scaler.update(new_scale=2.0)
    assert scaler.get_scale() == 2.0
    assert scaler.state_dict()["_growth_tracker"] == 0
    scaler.scale(layer(minigrad.ones(1, 2)).sum()).backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.state_dict()["_growth_tracker"] == 1


def test_grad_scaler_scales_containers_and_new_scale_tensors() -> None:
    scaler = minigrad.amp.GradScaler("cpu", init_scale=4.0)
    a, (b,) = scaler.scale([minigrad.tensor(1.0), (minigrad.tensor([2.0]),)])
    assert (a.item(), b.tolist()) == (4.0, [8.0])
    with pytest.raises(ValueError, match="Tensor or an iterable of Tensors"):
        scaler.scale([1.0])
    layer = nn.Linear(1, 1)
    opt = minigrad.optim.SGD(layer.parameters(), lr=0.0)
    scaler.scale(layer(minigrad.ones(1, 1)).sum()).backward()
    scaler.step(opt)
    scaler.update(minigrad.tensor([16.0]))
    assert scaler.get_scale() == 16.0
    with pytest.raises(AssertionError, match="new_scale should be"):
        scaler.update(minigrad.ones(2))


def test_grad_scaler_misuse_is_refused_as_pytorch() -> None:
    layer = nn.Linear(1, 1)
    opt = minigrad.optim.SGD(layer.parameters(), lr=0.1)
    scaler = minigrad.amp.GradScaler("cpu")
    with pytest.raises(AssertionError, match=r"did not use scaler\.scale"):
        scaler.step(opt)
    scaler.scale(layer(minigrad.ones(1, 1)).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure"):
        scaler.step(opt, closure=lambda: None)
    scaler.update()
    with pytest.raises(AssertionError, match="No inf checks"):
        scaler.update()
    with pytest.raises(AssertionError, match="growth factor"):
        minigrad.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="backoff factor"):
        minigrad.amp.GradScaler("cpu", backoff_factor=1.0)
    with pytest.raises(ValueError, match="device must be"):
        minigrad.amp.GradScaler("tpu")
    half = nn.Linear(1, 1).half()
    opt = minigrad.optim.SGD(half.parameters(), lr=0.1)
    scaler = minigrad.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(half(minigrad.ones(1, 1).half()).sum()).backward()
    with pytest.raises(ValueError, match="FP16 gradients"):
        scaler.unscale_(opt)


def test_disabled_grad_scaler_passes_through_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for scaler in (minigrad.amp.GradScaler("cpu", enabled=False),
                   torch.amp.GradScaler("cpu", enabled=False)):
        assert scaler.scale(3) == 3
        assert scaler.unscale_(None) is None
        assert (scaler.get_scale(), scaler.is_enabled(), scaler.state_dict()) == (1.0, False, {})
        scaler.load_state_dict({})
        scaler.update()

    class Opt:
        def step(self, value: int) -> int:
            return value

    assert minigrad.amp.GradScaler("cpu", enabled=False).step(Opt(), 5) == 5


def test_grad_scaler_state_dict_round_trip_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = minigrad.amp.GradScaler("cpu"), torch.amp.GradScaler("cpu")
    assert ours.state_dict() == theirs.state_dict()
    state = {"scale": 32.0, "growth_factor": 3.0, "backoff_factor": 0.125,
             "growth_interval": 7, "_growth_tracker": 5}
    for scaler in (ours, theirs):
        scaler.load_state_dict(state)
        assert scaler.get_scale() == 32.0
        scaler.scale(ours_or_theirs_one(scaler, torch))
    assert ours.state_dict() == theirs.state_dict() == state
    with pytest.raises(RuntimeError, match="state dict is empty"):
        ours.load_state_dict({})
    for name, value in (("growth_factor", 5.0), ("backoff_factor", 0.3),
                        ("growth_interval", 9)):
        getattr(ours, f"set_{name}")(value)
        assert getattr(ours, f"get_{name}")() == value


def ours_or_theirs_one(scaler: object, torch: object) -> object:
    lib = minigrad if isinstance(scaler, minigrad.amp.GradScaler) else torch
    return lib.ones(1)  # type: ignore[attr-defined]


def test_cuda_grad_scaler_without_cuda_disables_itself_as_pytorch() -> None:
    if minigrad.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = minigrad.amp.GradScaler()
    assert not scaler.is_enabled()
    with pytest.warns(FutureWarning, match="deprecated"):
        legacy = minigrad.cuda.amp.GradScaler(enabled=False)
    assert isinstance(legacy, minigrad.amp.GradScaler) and not legacy.is_enabled()


# --- autocast --------------------------------------------------------------------------


def test_autocast_disabled_changes_nothing_and_decorates() -> None:
    x = minigrad.ones(2, 2)
    with minigrad.autocast("cpu", enabled=False):
        assert (x @ x).dtype == minigrad.float32

    @minigrad.amp.autocast("cpu", enabled=False)
    def double(t: minigrad.Tensor) -> minigrad.Tensor:
        """Twice t."""
        return t * 2

    assert double(x).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert double.__doc__ == "Twice t."
    with (pytest.warns(FutureWarning, match=r"torch.amp.autocast\('cpu', args...\)"),
          minigrad.cpu.amp.autocast(enabled=False)):
        pass
    assert minigrad.amp.is_autocast_available("cpu") is False


def test_autocast_enabled_is_refused_by_name() -> None:
    with pytest.raises(RuntimeError, match=r"no automatic mixed precision.*enabled=False.*half"):
        minigrad.autocast("cpu")
    with pytest.raises(RuntimeError, match="no automatic mixed precision"):
        minigrad.autocast("cpu", dtype=minigrad.float16)
    with pytest.raises(ValueError, match="device_type"):
        minigrad.autocast(1)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="unsupported device_type"):
        minigrad.autocast("tpu")


def test_cuda_autocast_without_cuda_disables_itself_as_pytorch() -> None:
    if minigrad.cuda.is_available():
        with pytest.raises(RuntimeError, match="no automatic mixed precision"):
            minigrad.autocast("cuda")
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with minigrad.cuda.amp.autocast():
            assert (minigrad.ones(2) * 2).dtype == minigrad.float32
    messages = [str(w.message) for w in caught]
    assert any("deprecated" in m for m in messages)
    assert any("Disabling autocast" in m for m in messages)


# --- finfo and iinfo -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = minigrad.finfo(getattr(minigrad, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert ours.dtype == theirs.dtype == name
    assert repr(ours) == repr(theirs)


def test_finfo_default_dtype() -> None:
    assert minigrad.finfo().dtype == "float32"
    minigrad.set_default_dtype(minigrad.float64)
    try:
        assert minigrad.finfo() == minigrad.finfo(minigrad.float64)
    finally:
        minigrad.set_default_dtype(minigrad.float32)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = minigrad.iinfo(getattr(minigrad, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (
        theirs.bits, theirs.max, theirs.min, theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_finfo_iinfo_refuse_the_other_kind() -> None:
    with pytest.raises(TypeError, match="Use iinfo"):
        minigrad.finfo(minigrad.int32)
    with pytest.raises(TypeError, match="Use finfo"):
        minigrad.iinfo(minigrad.float32)
    with pytest.raises(TypeError, match="bool is not supported"):
        minigrad.iinfo(minigrad.bool)


# --- half and bfloat16 -----------------------------------------------------------------


def test_module_half_converts_floating_parameters_and_buffers() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    weight = model[0].weight
    model.half()
    assert model[0].weight is weight and weight.dtype == minigrad.float16
    assert model[1].running_mean.dtype == minigrad.float16
    assert model[1].num_batches_tracked.dtype == minigrad.int64
    assert model(minigrad.ones(1, 1, 4, 4).half()).dtype == minigrad.float16


def test_bfloat16_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="no bfloat16"):
        nn.Linear(1, 1).bfloat16()
    with pytest.raises(TypeError, match="no bfloat16"):
        minigrad.ones(2).bfloat16()


# --- memory formats --------------------------------------------------------------------


def test_memory_formats_have_pytorchs_reprs() -> None:
    torch = pytest.importorskip("torch")
    for name in ("channels_last", "contiguous_format", "preserve_format", "channels_last_3d"):
        assert repr(getattr(minigrad, name)) == repr(getattr(torch, name))
        assert isinstance(getattr(minigrad, name), minigrad.memory_format)


def test_memory_format_hints_keep_values() -> None:
    torch = pytest.importorskip("torch")
    data = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)
    x = minigrad.tensor(data)
    for y in (x.to(memory_format=minigrad.channels_last),
              x.contiguous(memory_format=minigrad.channels_last),
              x.to(minigrad.float64, memory_format=minigrad.preserve_format)):
        np.testing.assert_array_equal(y.numpy(), data)
    model = nn.Conv2d(2, 2, 1).to(memory_format=minigrad.channels_last)
    assert model.weight.shape == (2, 2, 1, 1)
    t = torch.tensor(data)
    for fmt in ("channels_last", "channels_last_3d", "contiguous_format", "preserve_format"):
        assert x.is_contiguous(memory_format=getattr(minigrad, fmt)) == t.is_contiguous(
            memory_format=getattr(torch, fmt)), fmt
    # the truth about real strides: an NHWC array seen as NCHW is channels-last
    nhwc = minigrad.tensor(data.transpose(0, 2, 3, 1).copy()).permute(0, 3, 1, 2)
    assert nhwc.is_contiguous(memory_format=minigrad.channels_last)
    assert not nhwc.is_contiguous()
    assert torch.tensor(data).to(memory_format=torch.channels_last).is_contiguous(
        memory_format=torch.channels_last)


def test_memory_format_misuse_is_refused_as_pytorch() -> None:
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
        minigrad.ones(3).contiguous(memory_format=minigrad.channels_last)
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
        minigrad.ones(3).to(memory_format=minigrad.channels_last)
    with pytest.raises(RuntimeError, match="required rank 5 tensor to use channels_last_3d"):
        minigrad.ones(1, 1, 1, 1).contiguous(memory_format=minigrad.channels_last_3d)
    with pytest.raises(TypeError, match=r"must be torch\.memory_format"):
        minigrad.ones(3).is_contiguous(memory_format=3)
    with pytest.raises(TypeError, match=r"must be torch\.memory_format"):
        nn.Linear(1, 1).to(memory_format="channels_last")


# --- compile, matmul precision, determinism --------------------------------------------


def test_compile_returns_the_model_unchanged() -> None:
    model = nn.Linear(2, 2)
    assert minigrad.compile(model) is model
    assert minigrad.compile(model, mode="max-autotune", fullgraph=True, dynamic=False) is model

    @minigrad.compile(backend="inductor")
    def f(x: minigrad.Tensor) -> minigrad.Tensor:
        return x + 1

    assert f(minigrad.ones(1)).tolist() == [2.0]
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        minigrad.compile(model, mode="fast")
    with pytest.raises(RuntimeError, match="Either mode or options"):
        minigrad.compile(model, mode="default", options={})


def test_float32_matmul_precision_is_recorded_and_validated() -> None:
    assert minigrad.get_float32_matmul_precision() == "highest"
    try:
        minigrad.set_float32_matmul_precision("high")
        assert minigrad.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="has no effect"):
            minigrad.set_float32_matmul_precision("low")
        assert minigrad.get_float32_matmul_precision() == "high"
        with pytest.raises(TypeError, match="must be str"):
            minigrad.set_float32_matmul_precision(1)  # type: ignore[arg-type]
    finally:
        minigrad.set_float32_matmul_precision("highest")


def test_deterministic_algorithms_are_recorded_and_validated() -> None:
    assert not minigrad.are_deterministic_algorithms_enabled()
    try:
        minigrad.use_deterministic_algorithms(True, warn_only=True)
        assert minigrad.are_deterministic_algorithms_enabled()
        assert minigrad.is_deterministic_algorithms_warn_only_enabled()
        with pytest.raises(TypeError, match="must be bool"):
            minigrad.use_deterministic_algorithms(1)  # type: ignore[arg-type]
    finally:
        minigrad.use_deterministic_algorithms(False)
    assert not minigrad.is_deterministic_algorithms_warn_only_enabled()
    cudnn = minigrad.backends.cudnn
    cudnn.deterministic, cudnn.benchmark = True, True
    try:
        assert (cudnn.deterministic, cudnn.benchmark) == (True, True)
    finally:
        cudnn.deterministic, cudnn.benchmark = False, False


# --- load's map_location ---------------------------------------------------------------


def test_load_map_location_dict_and_function_forms(tmp_path: object) -> None:
    path = f"{tmp_path}/w.pt"
    minigrad.save({"w": minigrad.ones(2)}, path)
    for where in ({"cuda:0": "cpu"}, {}, lambda storage, loc: storage,
                  lambda storage, loc: storage.cpu(), lambda storage, loc: None,
                  lambda storage, loc: storage.to("cpu")):
        loaded = minigrad.load(path, map_location=where)
        assert loaded["w"].device.type == "cpu" and loaded["w"].tolist() == [1.0, 1.0]
    second = minigrad.testing.second_backend()
    assert minigrad.load(path, map_location={"cuda:0": second})["w"].backend is second
    with pytest.raises(ValueError, match="different backends"):
        minigrad.load(path, map_location={"cpu": "cpu", "cuda:0": second})
    with pytest.raises(TypeError, match="map_location function returned int"):
        minigrad.load(path, map_location=lambda storage, loc: 3)


def test_load_map_location_function_asking_for_a_gpu(tmp_path: object) -> None:
    path = f"{tmp_path}/w.pt"
    minigrad.save({"w": minigrad.ones(2)}, path)
    if minigrad.cuda.is_available():
        loaded = minigrad.load(path, map_location=lambda storage, loc: storage.cuda(0))
        assert loaded["w"].is_cuda
    else:
        with pytest.raises(RuntimeError):
            minigrad.load(path, map_location=lambda storage, loc: storage.cuda(0))
