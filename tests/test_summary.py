"""nn.utils.summary: rows, totals, receptive fields, multiply-adds, the printed table."""

from __future__ import annotations

import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.nn.utils import summary
from minigrad.nn.utils.summary import LayerSummary, ModelSummary


def lenet() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def test_lenet_rows_match_hand_counts(backend):
    rows = summary(lenet(), (2, 1, 28, 28), verbose=False)
    assert isinstance(rows, ModelSummary) and all(isinstance(r, LayerSummary) for r in rows)
    table = [(r.name, r.type_name, r.depth, r.output_shape, r.params) for r in rows]
    assert table[:5] == [
        ("", "Sequential", 0, (2, 10), 61706),
        ("0", "Conv2d", 1, (2, 6, 28, 28), 6 * 25 + 6),
        ("1", "ReLU", 1, (2, 6, 28, 28), 0),
        ("2", "MaxPool2d", 1, (2, 6, 14, 14), 0),
        ("3", "Conv2d", 1, (2, 16, 10, 10), 16 * 6 * 25 + 16),
    ]
    assert [r.type_name for r in rows[7:]] == [
        "Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear",
    ]
    # multiply-adds: output elements x (inputs per output) for convolutions and linears
    assert rows[1].mult_adds == 2 * 6 * 28 * 28 * 25
    assert rows[4].mult_adds == 2 * 16 * 10 * 10 * 6 * 25
    assert rows[8].mult_adds == 2 * 120 * 400
    assert rows[2].mult_adds == 0
    assert rows[0].mult_adds == rows.total_mult_adds == sum(r.mult_adds for r in rows[1:])
    # receptive field of one output pixel: 5, +1 (pool), +4*2 (conv after a stride-2 pool), +2
    assert [r.receptive_field for r in rows[1:7]] == [
        (5, 5), (5, 5), (6, 6), (14, 14), (14, 14), (16, 16),
    ]
    assert rows[7].receptive_field is None and rows[0].receptive_field is None


def test_totals_and_memory():
    model = lenet()
    rows = summary(model, (1, 1, 28, 28), verbose=False)
    assert rows.total_params == rows.trainable_params == 61706
    assert rows.param_bytes == 61706 * 4
    assert rows.input_bytes == 28 * 28 * 4
    leaves = [r for r in rows[1:]]
    assert rows.activation_bytes == sum(r.output_bytes for r in leaves)
    assert rows[1].output_bytes == 6 * 28 * 28 * 4


def test_printed_table(capsys):
    summary(lenet(), (1, 1, 28, 28))
    text = capsys.readouterr().out
    header = text.splitlines()[1].split()
    assert header[:2] == ["Layer", "(type)"]
    for column in ("Output shape", "Params", "Trainable", "Receptive field", "Mult-adds"):
        assert column in text.splitlines()[1]
    assert "  0: Conv2d" in text and "[1, 6, 28, 28]" in text and "5x5" in text
    assert "Total params: 61,706" in text and "Trainable params: 61,706" in text
    assert "Non-trainable params: 0" in text and "Total mult-adds: 416,520" in text
    assert "Params size: 241.04 KB" in text
    lines = []
    summary(lenet(), (1, 1, 28, 28), print_fn=lines.append)
    assert lines == [text.rstrip("\n")]


def test_dilation_stride_groups_and_adaptive_pooling():
    model = nn.Sequential(
        nn.Conv2d(4, 8, 3, dilation=2, groups=2),   # field 5
        nn.Conv2d(8, 8, 3, stride=2),               # 5 + 2 = 7, jump 2
        nn.Conv2d(8, 8, 3),                         # 7 + 2*2 = 11, on a 3x3 map
        nn.AdaptiveAvgPool2d(1),                    # the whole 3x3 map: 11 + 2*2 = 15
    )
    rows = summary(model, (1, 4, 16, 16), verbose=False)
    assert [r.output_shape for r in rows[1:]] == [
        (1, 8, 12, 12), (1, 8, 5, 5), (1, 8, 3, 3), (1, 8, 1, 1),
    ]
    assert [r.receptive_field for r in rows[1:]] == [(5, 5), (7, 7), (11, 11), (15, 15)]
    assert rows[1].mult_adds == 8 * 12 * 12 * (4 // 2) * 9
    assert rows[0].receptive_field == (15, 15)  # a container: its last layer's field


def test_nested_modules_and_trainable_column():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
            self.head = nn.Linear(2 * 6 * 6, 3)

        def forward(self, x):
            return self.head(F.relu(self.features(x)).flatten(1))

    model = Net()
    model.head.bias.requires_grad_(False)
    rows = summary(model, (1, 1, 8, 8), verbose=False)
    by_name = {r.name: r for r in rows}
    assert [r.name for r in rows] == ["", "features", "features.0", "features.1", "head"]
    assert [r.depth for r in rows] == [0, 1, 2, 2, 1]
    assert by_name["features"].params == 2 * 9 + 2 + 2 + 2
    assert by_name["features"].mult_adds == by_name["features.0"].mult_adds == 2 * 36 * 9
    assert by_name["features"].receptive_field == (3, 3)
    assert by_name["head"].trainable == "partial"
    assert by_name["features.0"].trainable == "yes" and by_name[""].trainable == "partial"
    assert rows.trainable_params == rows.total_params - 3
    model.head.weight.requires_grad_(False)
    model.head.bias.requires_grad_(False)
    assert summary(model, (1, 1, 8, 8), verbose=False)[4].trainable == "no"
    assert by_name["features.1"].trainable == "yes"
    assert summary(nn.ReLU(), (2, 3), verbose=False)[0].trainable == "--"


def test_summary_leaves_the_model_as_it_was():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5))
    model.train()
    before = model[1].running_mean.numpy().copy()
    summary(model, (2, 1, 6, 6), verbose=False)
    assert all(m.training for m in model.modules())
    assert (model[1].running_mean.numpy() == before).all()
    for m in model.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks
    model.eval()
    summary(model, (2, 1, 6, 6), verbose=False)
    assert not any(m.training for m in model.modules())


def test_hooks_are_removed_when_the_model_fails():
    model = nn.Sequential(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match=r"input of shape \(1, 5\)"):
        summary(model, (1, 5), verbose=False)
    assert not model[0]._forward_hooks and not model[0]._forward_pre_hooks


def test_several_inputs():
    class Pair(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(3, 2)
            self.b = nn.Linear(4, 2)

        def forward(self, x, y):
            return self.a(x) + self.b(y)

    rows = summary(Pair(), [(5, 3), (5, 4)], verbose=False)
    assert [r.output_shape for r in rows] == [(5, 2), (5, 2), (5, 2)]
    assert rows.input_bytes == (15 + 20) * 4


@pytest.mark.parametrize("shape", [(), (1, 0, 3), (1, -2), "1x28x28", (1.0, 2), [(), (2,)]])
def test_bad_input_shape(shape):
    with pytest.raises(ValueError, match="input_shape must be a shape of positive ints"):
        summary(lenet(), shape, verbose=False)


def test_needs_a_module():
    with pytest.raises(TypeError, match="summary expects a Module, got list"):
        summary([nn.ReLU()], (1, 2))


def test_dtype_and_device_of_the_input():
    rows = summary(nn.Linear(2, 2, device="cpu").double(), (1, 2), dtype=minigrad.float64,
                   device="cpu",
                   verbose=False)
    assert rows.input_bytes == 2 * 8 and rows.param_bytes == 6 * 8
