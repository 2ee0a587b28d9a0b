"""Smoke runs of the examples with tiny settings (the full runs are in the README)."""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
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
    for name in ("lenet5_checkpoint.npz", "curves.png", "filters.png", "feature_maps.png"):
        assert (tmp_path / name).stat().st_size > 0
    with (tmp_path / "metrics.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["epoch"] for row in rows] == ["1", "2"]
    assert list(rows[0]) == ["epoch", "train_loss", "train_acc", "test_loss", "test_acc",
                             "seconds"]
    assert float(rows[-1]["test_acc"]) == pytest.approx(accuracy, abs=1e-6)
    assert 0 < float(rows[0]["test_loss"]) < 10 and float(rows[0]["seconds"]) > 0
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
    assert load_example("custom_op").main([]) < 0.05


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_has_help_that_creates_nothing(script: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--help"], cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {script}")
    assert list(tmp_path.iterdir()) == []   # no output folder, no "--help/" folder


def test_draw_lenet_graph_without_dot_says_so_in_one_line(tmp_path: Path) -> None:
    pytest.importorskip("graphviz")
    no_dot = tmp_path / "bin"
    no_dot.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "draw_lenet_graph.py"), "graphs"], cwd=work,
        env={**os.environ, "PATH": str(no_dot)}, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'dot' program was not found" in lines[0], result.stderr
    assert "nothing was written" in lines[0]
    assert list(work.iterdir()) == []
