"""examples/lenet5_ddp.py on the ranks of this job, with tiny settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import minigrad
from tests.test_examples import load_example


def test_lenet5_ddp_example(world: Any, tmp_path: Path) -> None:
    for extra in ("sklearn", "matplotlib"):
        pytest.importorskip(extra)
    import matplotlib

    matplotlib.use("Agg")
    example = load_example("lenet5_ddp")
    out = tmp_path / "run"
    accuracy = example.main(["--epochs", "2", "--limit", "192", "--batch-size", "16",
                             "--out", str(out)])
    assert 0.2 < accuracy <= 1.0
    if world.get_rank() == 0:
        checkpoint = minigrad.load(out / "lenet5_checkpoint.npz")
        assert checkpoint["world_size"] == world.get_world_size()
        model = example.LeNet5()
        model.load_state_dict(checkpoint["model"])  # saved without DDP's "module." prefix
    else:
        assert not out.exists()  # only rank 0 writes
    assert world.is_initialized()  # the example left the test session's group alone
