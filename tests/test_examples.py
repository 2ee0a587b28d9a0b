"""Smoke runs of the examples with tiny settings (the full runs are in the README)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import minigrad

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_lenet5_example_runs_and_writes_outputs(tmp_path: Path) -> None:
    for extra in ("sklearn", "matplotlib", "tqdm"):
        pytest.importorskip(extra)
    import matplotlib

    matplotlib.use("Agg")
    lenet5 = load_example("lenet5")
    accuracy = lenet5.main(["--epochs", "2", "--limit", "300", "--out", str(tmp_path)])
    assert 0.3 < accuracy <= 1.0  # two short epochs already learn something
    for name in ("lenet5_checkpoint.npz", "curves.png", "first_layer.png"):
        assert (tmp_path / name).stat().st_size > 0
    checkpoint = minigrad.load(tmp_path / "lenet5_checkpoint.npz")
    model = lenet5.LeNet5()
    model.load_state_dict(checkpoint["model"])
    assert checkpoint["epochs"] == 2
    assert model(minigrad.zeros(1, 1, 32, 32)).shape == (1, 10)


def test_mlp_example() -> None:
    pytest.importorskip("sklearn")
    accuracy = load_example("mlp").main(["--epochs", "2", "--limit", "400"])
    assert accuracy > 0.5


def test_custom_op_example() -> None:
    assert load_example("custom_op").main() < 0.05
