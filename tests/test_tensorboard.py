"""minigrad.utils.tensorboard.SummaryWriter: PyTorch's API on tensorboardX."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy
import pytest

import minigrad

pytest.importorskip("tensorboardX")
from tensorboardX.proto import event_pb2

from minigrad.utils.tensorboard import SummaryWriter


def read_events(folder: Path) -> list[Any]:
    """Every event in the folder's event files (TFRecord: length, crc, data, crc)."""
    events = []
    for path in sorted(folder.rglob("events.out.tfevents.*")):
        data = path.read_bytes()
        position = 0
        while position < len(data):
            (length,) = struct.unpack_from("<Q", data, position)
            start = position + 12
            events.append(event_pb2.Event.FromString(data[start: start + length]))
            position = start + length + 4
    return events


def summaries(folder: Path) -> dict[str, list[tuple[int, Any]]]:
    found: dict[str, list[tuple[int, Any]]] = {}
    for event in read_events(folder):
        for value in event.summary.value:
            found.setdefault(value.tag, []).append((event.step, value))
    return found


def test_scalars_histograms_and_images_from_tensors(tmp_path: Path) -> None:
    minigrad.manual_seed(0)
    weights = minigrad.randn(1000, requires_grad=True)  # a parameter: logged detached
    with SummaryWriter(str(tmp_path)) as writer:
        assert writer.log_dir == str(tmp_path) == writer.get_logdir()
        for step in range(3):
            writer.add_scalar("loss", minigrad.tensor(1.0 / (step + 1)), step)
        writer.add_scalar("lr", 0.5, 0)
        writer.add_scalars("acc", {"train": minigrad.tensor([0.9]), "test": 0.8}, 1)
        writer.add_histogram("weights", weights, 2)
        writer.add_image("digit", minigrad.linspace(0, 1, 64).reshape(1, 8, 8), 2)
        writer.add_images("batch", minigrad.zeros(4, 3, 5, 5), 2)
        writer.add_text("note", "hello", 0)
    found = summaries(tmp_path)
    assert [(s, round(v.simple_value, 6)) for s, v in found["loss"]] == \
        [(0, 1.0), (1, 0.5), (2, round(1 / 3, 6))]
    assert found["lr"][0][1].simple_value == 0.5
    histogram = found["weights"][0][1].histo
    host = weights.detach().numpy()
    assert histogram.num == 1000
    assert histogram.min == pytest.approx(float(host.min()))
    assert histogram.max == pytest.approx(float(host.max()))
    assert histogram.sum == pytest.approx(float(host.sum()), rel=1e-4)
    image = found["digit"][0][1].image
    assert (image.height, image.width, image.colorspace) == (8, 8, 3)  # grey tiled, as torch
    assert image.encoded_image_string[:4] == b"\x89PNG"
    assert "batch" in found and "note/text_summary" in found
    assert (tmp_path / "acc" / "test").is_dir()  # add_scalars: one run per curve
    train = summaries(tmp_path / "acc" / "train")["acc"][0]
    assert train[0] == 1 and train[1].simple_value == pytest.approx(0.9)


def test_scalar_must_have_one_element(tmp_path: Path) -> None:
    with SummaryWriter(str(tmp_path)) as writer, \
            pytest.raises(ValueError, match=r"add_scalar: a scalar must be a number or a "
                                            r"one-element tensor, got a tensor of shape \(2,\)"):
        writer.add_scalar("loss", minigrad.ones(2))


def test_lenet5_example_logs_to_tensorboard(tmp_path: Path) -> None:
    for extra in ("sklearn", "matplotlib", "tqdm"):
        pytest.importorskip(extra)
    import matplotlib

    matplotlib.use("Agg")
    from tests.test_examples import load_example

    logs = tmp_path / "logs"
    load_example("lenet5").main(["--epochs", "1", "--limit", "64", "--out", str(tmp_path),
                                 "--tensorboard", str(logs)])
    found = summaries(logs)
    assert {"train/loss", "train/accuracy", "test/accuracy"} <= set(found)
    assert len(found["train/loss"]) >= 2  # logged during the epoch, not only at its end
    assert any(tag.startswith("weights/") for tag in found)
    losses = [v.simple_value for _, v in found["train/loss"]]
    assert all(numpy.isfinite(losses))


def test_missing_package_names_the_extra() -> None:
    code = ("import sys; sys.modules['tensorboardX'] = None\n"
            "try:\n    import minigrad.utils.tensorboard\n"
            "except ImportError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert 'needs the tensorboardX package: pip install "minigrad-cnn[tensorboard]"' in out
