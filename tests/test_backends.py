"""The backend registry, selection, moves between backends, and a third-party plugin.

The plugin is a real distribution: a ``*.dist-info`` folder with an ``entry_points.txt``
and a module, written to a temporary folder put on ``sys.path``, so the ordinary
``importlib.metadata`` entry-point lookup finds it, exactly as after ``pip install``.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import backends, nn, optim
from minigrad.backends import Backend

TOY_MODULE = '''
"""A third-party minigrad backend: NumPy arrays, with its own conv2d kernel."""

import numpy

from minigrad.backends import Backend


class ToyBackend(Backend):
    xp = numpy
    conv_calls = 0

    def conv2d(self, x, weight, stride, dilation, groups, padding=(0, 0, 0, 0),
               workspace=None):
        type(self).conv_calls += 1
        return super().conv2d(x, weight, stride, dilation, groups, padding, workspace)


class OfflineBackend(Backend):
    xp = numpy

    @classmethod
    def unavailable_reason(cls):
        return "the toy accelerator is switched off"


class NotABackend:
    pass
'''

TOY_ENTRY_POINTS = """
[minigrad.backends]
toy = toy_backend:ToyBackend
toy_offline = toy_backend:OfflineBackend
toy_missing = toy_backend_not_there:Backend
toy_wrong = toy_backend:NotABackend
toy_exits = toy_backend_exits:Backend
toy_broken = toy_backend_broken:Backend
"""

# plugins that fail while importing: one ends the program, one misses a dependency
EXITING_MODULE = "import sys\nsys.exit('no accelerator here, bye')\n"
BROKEN_MODULE = "import a_dependency_that_is_not_installed\n"


def _write_toy_distribution(root: Path) -> Path:
    (root / "toy_backend.py").write_text(TOY_MODULE)
    (root / "toy_backend_exits.py").write_text(EXITING_MODULE)
    (root / "toy_backend_broken.py").write_text(BROKEN_MODULE)
    info = root / "minigrad_toy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: minigrad-toy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(TOY_ENTRY_POINTS)
    return root


@pytest.fixture()
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Restore the current backend and forget backends loaded inside the test."""
    monkeypatch.setattr(backends, "_loaded", dict(backends._loaded))
    monkeypatch.setattr(backends, "_current", backends.current())
    yield


@pytest.fixture()
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: None) -> Iterator[Path]:
    """The toy plugin installed (on sys.path) for one test; yields its folder."""
    root = _write_toy_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(root))  # also invalidates the import caches
    for module in ("toy_backend", "toy_backend_exits", "toy_backend_broken"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    yield root
    for module in ("toy_backend", "toy_backend_exits", "toy_backend_broken"):
        sys.modules.pop(module, None)


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_BACKEND"}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120
    )


def _info(name: str) -> backends.BackendInfo:
    return {i.name: i for i in backends.available()}[name]


# --- registry ---------------------------------------------------------------------------


def test_available_lists_numpy_and_cupy() -> None:
    infos = {i.name: i for i in backends.available()}
    assert infos["numpy"].usable and infos["numpy"].reason == ""
    assert infos["numpy"].target == "minigrad_numpy:NumpyBackend"
    cupy = infos["cupy"]
    assert cupy.target == "minigrad_cupy:CupyBackend"
    if not cupy.usable:
        assert "GPU" in cupy.reason or 'pip install "minigrad-cnn[cuda12]"' in cupy.reason


def test_get_returns_one_instance_per_name() -> None:
    assert backends.get("numpy") is backends.get("numpy")
    assert backends.get("numpy").name == "numpy"


def test_unknown_backend_lists_registered_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown minigrad backend 'bogus'.*backends: .*numpy"):
        backends.get("bogus")
    with pytest.raises(ValueError, match=r"'cuda' is a device; its backend is 'cupy'"):
        backends.get("cuda")


@pytest.mark.skipif(_info("cupy").usable, reason="CuPy is usable here")
def test_cupy_without_gpu_says_what_is_missing() -> None:
    with pytest.raises(RuntimeError, match=r"backend 'cupy' cannot be used here: .*(GPU|pip)"):
        backends.get("cupy")
    with pytest.raises(RuntimeError, match="cupy"):
        minigrad.ones(2).cuda()


def test_backend_needs_a_namespace() -> None:
    class Empty(Backend):
        pass

    with pytest.raises(TypeError, match="Empty has no array namespace"):
        Empty()


# --- MINIGRAD_BACKEND at import ---------------------------------------------------------

SHOW = "import minigrad; x = minigrad.ones(2); print(x.backend.name, x.device)"


def test_env_numpy_works() -> None:
    result = _run(SHOW, MINIGRAD_BACKEND="numpy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["numpy", "cpu"]


def test_env_unset_means_numpy() -> None:
    result = _run(SHOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["numpy", "cpu"]


def test_importing_a_backend_module_first_is_not_circular() -> None:
    result = _run("import minigrad_numpy, minigrad; print(minigrad.ones(1).backend.name)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["numpy"]


def test_env_bogus_fails_at_import_listing_backends() -> None:
    result = _run("import minigrad", MINIGRAD_BACKEND="bogus")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "MINIGRAD_BACKEND=bogus" in last
    listed = last.split("registered backends: ")[1].split(", ")
    assert {"cupy", "numpy"} <= set(listed) and listed == sorted(listed)


def test_env_cupy() -> None:
    result = _run(SHOW, MINIGRAD_BACKEND="cupy")
    if _info("cupy").usable:
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[0] == "cupy"
    else:
        assert result.returncode != 0
        last = result.stderr.strip().splitlines()[-1]
        assert "MINIGRAD_BACKEND=cupy" in last and "cannot be used here" in last
        assert 'pip install "minigrad-cnn[cuda12]"' in last or "GPU" in last


# --- set_backend / use_backend ---------------------------------------------------------


def test_use_backend_switches_and_restores(isolated: None) -> None:
    class Other(Backend):
        name = "other"
        xp = np

    other = Other()
    before = backends.current()
    with minigrad.use_backend(other) as active:
        assert active is other and backends.current() is other
        assert minigrad.zeros(2).backend is other
        with minigrad.use_backend("numpy"):
            assert minigrad.zeros(2).backend.name == "numpy"
        assert backends.current() is other
    assert backends.current() is before
    with pytest.raises(KeyError), minigrad.use_backend(other):
        raise KeyError("restored even when the block raises")
    assert backends.current() is before


def test_set_backend(isolated: None) -> None:
    class Other(Backend):
        xp = np

    other = Other()
    assert other.name == "Other"  # unregistered instances are named after their class
    minigrad.set_backend(other)
    assert minigrad.ones(1).backend is other
    minigrad.set_backend("numpy")
    assert minigrad.ones(1).backend.name == "numpy"
    with pytest.raises(ValueError, match="registered backends"):
        minigrad.set_backend("nope")
    assert backends.current().name == "numpy"  # unchanged by the failed call
    with pytest.raises(TypeError, match=r"backend name .* or a minigrad\.backends\.Backend"):
        minigrad.set_backend(3)  # type: ignore[arg-type]


# --- the toy plugin ---------------------------------------------------------------------


def test_plugin_is_listed_and_reported(toy: Path) -> None:
    infos = {i.name: i for i in backends.available()}
    assert infos["toy"].usable and infos["toy"].target == "toy_backend:ToyBackend"
    assert not infos["toy_offline"].usable
    assert infos["toy_offline"].reason == "the toy accelerator is switched off"
    assert "failed to load" in infos["toy_missing"].reason
    assert "must name a subclass of minigrad.backends.Backend" in infos["toy_wrong"].reason
    assert infos["numpy"].usable  # a broken plugin breaks nothing else
    with pytest.raises(RuntimeError, match="'toy_offline' cannot be used here: the toy"):
        backends.get("toy_offline")
    with pytest.raises(TypeError, match="must name a subclass"):
        backends.get("toy_wrong")


def test_plugin_that_exits_while_importing_does_not_end_the_program(toy: Path) -> None:
    infos = {i.name: i for i in backends.available()}  # would exit before the fix
    assert not infos["toy_exits"].usable
    assert infos["toy_exits"].reason == (
        "failed to load toy_backend_exits:Backend: it called sys.exit('no accelerator here, "
        "bye')")
    with pytest.raises(ImportError, match=r"minigrad backend plugin 'toy_exits' \(entry point "
                                          r"'toy_backend_exits:Backend' in group "
                                          r"'minigrad.backends'\) failed to import: it called "
                                          r"sys.exit"):
        backends.get("toy_exits")
    assert infos["numpy"].usable and backends.current().name == "numpy"


def test_plugin_that_fails_to_import_is_named_with_its_entry_point(toy: Path) -> None:
    reason = _info("toy_broken").reason
    assert reason == ("failed to load toy_backend_broken:Backend: ModuleNotFoundError: No "
                      "module named 'a_dependency_that_is_not_installed'")
    with pytest.raises(ImportError, match=r"plugin 'toy_broken' \(entry point "
                                          r"'toy_backend_broken:Backend' .*\) failed to import: "
                                          r"ModuleNotFoundError: No module named "
                                          r"'a_dependency_that_is_not_installed'") as info:
        backends.get("toy_broken")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_env_naming_a_plugin_that_exits_fails_at_import_with_a_clear_error(toy: Path) -> None:
    done = _run("import minigrad", MINIGRAD_BACKEND="toy_exits",
                PYTHONPATH=os.pathsep.join([str(toy), os.environ.get("PYTHONPATH", "")]))
    assert done.returncode == 1
    assert "ImportError: MINIGRAD_BACKEND=toy_exits: minigrad backend plugin 'toy_exits'" in (
        done.stderr)
    assert "failed to import: it called sys.exit('no accelerator here, bye')" in done.stderr


def test_training_step_on_plugin_backend(toy: Path) -> None:
    toy_cls = importlib.import_module("toy_backend").ToyBackend
    minigrad.manual_seed(0)
    with minigrad.use_backend("toy") as b:
        assert b.name == "toy" and isinstance(b, toy_cls)
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(4 * 4 * 4, 3),
        )
        x = minigrad.randn(6, 1, 8, 8)
        y = minigrad.tensor([0, 1, 2, 0, 1, 2])
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert loss.backend is b
    for p in model.parameters():
        assert p.backend is b and p.grad is not None and p.grad.backend is b
    assert toy_cls.conv_calls >= 5  # the plugin's own kernel ran
    assert losses[-1] < losses[0]


def test_env_selects_plugin(toy: Path) -> None:
    path = os.pathsep.join([str(toy), os.environ.get("PYTHONPATH", "")])
    result = _run(SHOW, MINIGRAD_BACKEND="toy", PYTHONPATH=path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["toy", "cpu"]
    listed = _run("import minigrad; print(minigrad.backends.get('nope'))", PYTHONPATH=path)
    names = listed.stderr.strip().splitlines()[-1].split("registered backends: ")[1]
    assert {"numpy", "toy", "toy_missing", "toy_offline", "toy_wrong"} <= set(names.split(", "))


def test_seed_reaches_backends_loaded_later(toy: Path) -> None:
    minigrad.manual_seed(7)
    with minigrad.use_backend("toy"):  # loaded after the seed was set
        first = minigrad.randn(4).tolist()
        minigrad.manual_seed(7)
        assert minigrad.randn(4).tolist() == first


# --- moving between backends ------------------------------------------------------------


def test_mixed_backends_raise_naming_both(toy: Path) -> None:
    a = minigrad.ones(3, device="cpu")
    b = a.to("toy")
    with pytest.raises(RuntimeError, match=r"different backends \('numpy' and 'toy'\)"):
        a + b
    with pytest.raises(RuntimeError, match=r"'toy' and 'numpy'"):
        minigrad.matmul(b, a)


def test_to_moves_and_gradients_flow_back(toy: Path) -> None:
    x = minigrad.tensor([1.0, -2.0, 3.0], requires_grad=True, device="cpu")
    y = x.to("toy")
    assert y.backend.name == "toy" and str(y.device) == "cpu" and y.grad_fn is not None
    assert y.grad_fn.name == "MoveBackward"
    assert not np.shares_memory(y.array, x.array)
    assert y.to("toy") is y  # already there
    z = (y * y * y).sum()
    assert z.backend.name == "toy"
    (g,) = minigrad.grad(z, x, create_graph=True)
    assert g.backend.name == "numpy" and g.tolist() == [3.0, 12.0, 27.0]
    (gg,) = minigrad.grad(g.sum(), x)  # second order through two moves
    assert gg.tolist() == [6.0, -12.0, 18.0]
    back = y.cpu()
    assert back.backend.name == "numpy" and back.tolist() == x.tolist()
    t = minigrad.tensor([1, 2], device="toy")
    assert t.backend.name == "toy" and t.dtype == minigrad.int64
    assert x.to("toy", minigrad.float64).dtype == minigrad.float64


def test_module_to_moves_parameters(toy: Path) -> None:
    layer = nn.Linear(3, 2)
    weight = layer.weight
    layer.to("toy")
    assert layer.weight is weight and weight.backend.name == "toy"
    out = layer(minigrad.ones(1, 3).to("toy"))
    assert out.backend.name == "toy"
    layer.cpu()
    assert weight.backend.name == "numpy"


# --- no host round trips inside ops ------------------------------------------------------


def test_cnn_ops_never_copy_to_host(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = minigrad.randn(4, 1, 28, 28)
    target = minigrad.randint(0, 10, (4,))
    w1 = (minigrad.randn(6, 1, 5, 5) * 0.2).requires_grad_()
    b1 = minigrad.zeros(6, requires_grad=True)
    w2 = (minigrad.randn(16, 6, 5, 5) * 0.1).requires_grad_()
    b2 = minigrad.zeros(16, requires_grad=True)
    w3 = (minigrad.randn(10, 16 * 5 * 5) * 0.05).requires_grad_()
    params = [w1, b1, w2, b2, w3]
    calls = []
    original = backend.to_numpy
    monkeypatch.setattr(backend, "to_numpy", lambda a: calls.append(a.shape) or original(a))

    h1 = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=2)), 2)  # (4, 6, 14, 14)
    h2 = F.avg_pool2d(F.relu(F.conv2d(h1, w2, b2)), 2)  # (4, 16, 5, 5)
    extra = F.min_pool2d(h1, 2).mean() + F.lp_pool2d(h1, 2.0, 2).mean()
    loss = F.cross_entropy(F.linear(h2.flatten(1), w3), target) + 0.1 * extra
    loss.backward()

    assert calls == [], f"{len(calls)} host copies inside the ops, of shapes {calls}"
    assert all(p.grad is not None and p.grad.backend is backend for p in params)
    loss.item()  # reading a value IS a host copy, and the counter sees it
    assert calls == [()]


def test_dataloader_batches_land_on_current_backend(toy: Path) -> None:
    from minigrad.data import DataLoader, TensorDataset

    data = TensorDataset(minigrad.randn(6, 2), minigrad.arange(6))
    with minigrad.use_backend("toy"):
        batches = list(DataLoader(data, batch_size=4))
    assert [x.shape[0] for x, _ in batches] == [4, 2]
    assert all(x.backend.name == "toy" and y.backend.name == "toy" for x, y in batches)


# --- the generic Backend methods --------------------------------------------------------


def test_random_numbers_in_every_dtype() -> None:
    assert minigrad.rand(3, dtype=minigrad.float16).dtype == minigrad.float16
    assert minigrad.randn(3, dtype=minigrad.float16).dtype == minigrad.float16
    floats = minigrad.randint(0, 5, (50,), dtype=minigrad.float32)
    assert floats.dtype == minigrad.float32
    values = floats.numpy()
    assert np.all(values == np.round(values)) and values.min() >= 0 and values.max() <= 4
    flags = minigrad.randint(0, 2, (50,), dtype=minigrad.bool_).numpy()
    assert flags.dtype == np.bool_ and flags.any() and not flags.all()
    with pytest.raises(TypeError, match="randn needs a floating dtype"):
        minigrad.randn(2, dtype=minigrad.int64)
    with pytest.raises(ValueError, match="randint needs low < high, got low=3 and high=3"):
        minigrad.randint(3, 3, (2,))


def test_namespace_without_random_uses_host_generator() -> None:
    class Namespace:  # NumPy without numpy.random
        random = object()

        def __getattr__(self, name: str) -> Any:
            return getattr(np, name)

    class Plain(Backend):
        xp = Namespace()

    plain = Plain()
    plain.manual_seed(1)
    first = plain.randn((3,), np.float32)
    plain.manual_seed(1)
    assert first.dtype == np.float32 and plain.randn((3,), np.float32).tolist() == first.tolist()


def test_tensors_own_their_memory() -> None:
    host = np.ones(3, dtype=np.float32)
    t = minigrad.tensor(host)
    host[0] = 5.0
    assert t.tolist() == [1.0, 1.0, 1.0]
