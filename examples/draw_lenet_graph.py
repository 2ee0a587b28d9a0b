"""Draw the graph of one LeNet-5 training step, collapsed by module and expanded.

Usage::

    python examples/draw_lenet_graph.py [OUTPUT_DIR]

writes ``lenet_step_collapsed.svg`` and ``lenet_step_expanded.svg`` (default folder:
``graphs``). The forward pass runs inside ``minigrad.viz.trace_modules(model)`` so the
pictures know which module made each op; the graph is drawn before ``backward()``, which
then runs as usual, followed by one SGD update. Needs ``pip install 'minigrad-cnn[viz]'`` and
the Graphviz ``dot`` program (``apt-get install graphviz`` / ``brew install graphviz``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.viz import draw_graph, save_graph, trace_modules


class LeNet5(nn.Module):
    """LeNet-5 for 28x28 grey images (MNIST), with ReLU and max pooling."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def main(out_dir: str | Path = "graphs", batch_size: int = 8) -> list[Path]:
    """Run one training step of LeNet-5 on random data, saving its graph twice.

    Returns the paths of the collapsed and the expanded SVG.
    """
    minigrad.manual_seed(0)
    model = LeNet5()
    images = minigrad.randn(batch_size, 1, 28, 28)
    labels = minigrad.randint(0, 10, (batch_size,))

    with trace_modules(model):
        loss = F.cross_entropy(model(images), labels)
    out = Path(out_dir)
    paths = [
        save_graph(draw_graph(loss, params=model, collapse="module"),
                   out / "lenet_step_collapsed.svg"),
        save_graph(draw_graph(loss, params=model), out / "lenet_step_expanded.svg"),
    ]

    loss.backward()
    with minigrad.no_grad():
        for p in model.parameters():
            p -= 0.01 * p.grad
    return paths


if __name__ == "__main__":
    for path in main(*sys.argv[1:2]):
        print(f"wrote {path}")
