"""Draw the graph of one LeNet-5 training step, collapsed to modules and expanded.

Usage::

    python examples/draw_lenet_graph.py [OUTPUT_DIR]

writes ``lenet_step_collapsed.svg`` and ``lenet_step_expanded.svg`` (default folder:
``graphs``). The forward pass runs inside ``minigrad.viz.trace_modules(model)`` so the
pictures know which module and which function made each op: collapsed, each module call is
one box and the loss one ``CrossEntropyBackward`` node. The graph is drawn before
``backward()``, which then runs as usual, followed by one SGD update. Needs
``pip install 'minigrad-cnn[viz]'`` and the Graphviz ``dot`` program (``apt-get install
graphviz`` / ``brew install graphviz``); without them the script says so in one line and
writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.viz import GraphvizNotFoundError, draw_graph, trace_modules


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


def draw(out_dir: str | Path = "graphs", batch_size: int = 8) -> list[Path]:
    """Run one training step of LeNet-5 on random data, saving its graph twice.

    Both pictures are rendered before anything is written, so a missing Graphviz leaves
    no folder or file behind. Returns the paths of the collapsed and the expanded SVG.

    Raises
    ------
    GraphvizNotFoundError
        If the ``dot`` program is not installed.
    ImportError
        If the ``graphviz`` Python package is not installed.
    """
    minigrad.manual_seed(0)
    model = LeNet5()
    images = minigrad.randn(batch_size, 1, 28, 28)
    labels = minigrad.randint(0, 10, (batch_size,))

    with trace_modules(model):
        loss = F.cross_entropy(model(images), labels)
    svgs = {
        "lenet_step_collapsed.svg": draw_graph(loss, params=model, collapse="all"),
        "lenet_step_expanded.svg": draw_graph(loss, params=model),
    }
    pictures = {name: graph.pipe(format="svg") for name, graph in svgs.items()}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, svg in pictures.items():
        (out / name).write_bytes(svg)
        paths.append(out / name)

    loss.backward()
    with minigrad.no_grad():
        for p in model.parameters():
            p -= 0.01 * p.grad
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Draw the graph of one LeNet-5 training step, collapsed to modules and "
                    "expanded, as two SVG files (needs Graphviz's dot program)."
    )
    parser.add_argument("out_dir", nargs="?", default="graphs", type=Path,
                        help="folder for the two SVG files (default: graphs)")
    args = parser.parse_args(argv)
    try:
        paths = draw(args.out_dir)
    except GraphvizNotFoundError:
        print("draw_lenet_graph.py: Graphviz's 'dot' program was not found on PATH; install "
              "Graphviz (apt-get install graphviz, brew install graphviz or conda install "
              "graphviz); nothing was written", file=sys.stderr)
        return 1
    except ImportError as err:  # the graphviz Python package; the message names the extra
        print(f"draw_lenet_graph.py: {err}; nothing was written", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
