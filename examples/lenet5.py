"""Train LeNet-5 on handwritten digits, the PyTorch way, with minigrad.

The model is LeCun's classic layout: conv 5x5 -> pool -> conv 5x5 -> pool -> three fully
connected layers, on 32x32 grey images. The data is the 8x8 digits that ship with
scikit-learn (no download), upsampled to 32x32. The script shows a progress bar with the
running loss and accuracy, prints the training and test loss and accuracy after every
epoch, and writes into ``--out``: a checkpoint, ``metrics.csv`` (one row per epoch),
``curves.png`` (loss on a log scale, accuracy), ``filters.png`` (the first layer's filters
on one colour scale) and ``feature_maps.png`` (what each layer makes of a test digit).

    pip install -e ".[examples]"
    python examples/lenet5.py                 # 20 epochs: about 10 s of CPU time
    python examples/lenet5.py --epochs 1 --limit 200 --out /tmp/quick

    python examples/lenet5.py --tensorboard runs/tb   # then: tensorboard --logdir runs/tb

Measured on a two-core machine shared with other jobs: 9.7 s of CPU time, 11 to 34 s of
wall time depending on the load, 98.3% test accuracy. Training runs with one BLAS thread,
which is faster than several for matrices this small.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Any

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, Subset
from minigrad.data.datasets import Digits
from minigrad.viz import feature_maps, show_filters

METRICS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")


class LeNet5(nn.Module):
    """conv(1->6, 5x5) - pool - conv(6->16, 5x5) - pool - fc 400->120 - fc 120->84 - fc 84->10.

    Image sizes: 32 -> 28 (conv) -> 14 (pool) -> 10 (conv) -> 5 (pool); 16 * 5 * 5 = 400.
    """

    def __init__(self, num_classes: int = 10, activation: str = "tanh") -> None:
        super().__init__()
        act = {"tanh": nn.Tanh, "relu": nn.ReLU}[activation]
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5), act(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5), act(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), act(),
            nn.Linear(120, 84), act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        return self.classifier(self.features(x))


def evaluate(model: nn.Module, loader: DataLoader) -> tuple[float, float]:
    """Mean loss and accuracy over ``loader`` (eval mode, no graph)."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with minigrad.no_grad():
        for images, labels in loader:
            logits = model(images)
            total_loss += float(F.cross_entropy(logits, labels, reduction="sum"))
            correct += int((logits.argmax(1) == labels).sum())
            seen += len(labels)
    model.train()
    return total_loss / seen, correct / seen


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Train, evaluate after every epoch, and return the model and the curves."""
    from tqdm import tqdm

    minigrad.manual_seed(args.seed)
    train_set: Any = Digits(train=True)
    test_set = Digits(train=False)
    if args.limit:
        train_set = Subset(train_set, range(min(args.limit, len(train_set))))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              generator=args.seed)
    test_loader = DataLoader(test_set, batch_size=256)

    model = LeNet5(activation=args.activation)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    history: dict[str, list[float]] = {name: [] for name in METRICS}
    start = time.perf_counter()
    writer, logged_steps = None, 0
    if args.tensorboard:  # needs pip install -e ".[tensorboard]"
        from minigrad.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(str(args.tensorboard))

    for epoch in range(1, args.epochs + 1):
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{args.epochs}", leave=False)
        running_loss, correct, seen = 0.0, 0, 0
        for images, labels in bar:
            optimizer.zero_grad()
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
            running_loss += float(loss) * len(labels)
            correct += int((logits.argmax(1) == labels).sum())
            seen += len(labels)
            bar.set_postfix(loss=f"{running_loss / seen:.4f}", acc=f"{correct / seen:.3f}")
            if writer:
                logged_steps += 1
                writer.add_scalar("train/loss", loss, logged_steps)
        scheduler.step()
        test_loss, test_acc = evaluate(model, test_loader)
        row = (epoch, running_loss / seen, correct / seen, test_loss, test_acc,
               time.perf_counter() - start)
        for name, value in zip(METRICS, row):
            history[name].append(value)
        print(f"epoch {epoch:2d}  loss {row[1]:.4f} (test {test_loss:.4f})  "
              f"acc {row[2]:.4f} (test {test_acc:.4f})")
        if writer:
            writer.add_scalar("train/accuracy", correct / seen, epoch)
            writer.add_scalar("test/accuracy", test_acc, epoch)
            writer.add_scalar("test/loss", test_loss, epoch)
            for name, parameter in model.named_parameters():
                writer.add_histogram(f"weights/{name}", parameter, epoch)
    if writer:
        writer.close()
    return {"model": model, "optimizer": optimizer, "history": history, "test_set": test_set}


def write_metrics(history: dict[str, list[float]], path: Path) -> None:
    """One CSV row per epoch: the columns of :data:`METRICS`."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(METRICS)
        for row in zip(*(history[name] for name in METRICS)):
            writer.writerow([int(row[0]), *(f"{value:.6g}" for value in row[1:])])


def plot_curves(history: dict[str, list[float]], path: Path) -> None:
    """Training and test loss (log scale) and accuracy per epoch."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = history["epoch"]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for split in ("train", "test"):
        ax_loss.plot(epochs, history[f"{split}_loss"], marker="o", label=split)
        ax_acc.plot(epochs, history[f"{split}_acc"], marker="o", label=split)
    ax_loss.set_yscale("log")
    ax_loss.set(title="loss", xlabel="epoch", ylabel="cross-entropy (log scale)")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_filters_and_maps(model: LeNet5, image: minigrad.Tensor, out: Path) -> list[Path]:
    """The first layer's 5x5 filters on one shared colour scale, and the feature maps each
    layer of ``model.features`` makes of one test image (``tanh(W_k * x + b_k)`` after the
    first convolution, then pooled, and so on)."""
    import matplotlib.pyplot as plt

    model.eval()
    paths = [out / "filters.png", out / "feature_maps.png"]
    figures = [
        show_filters(model.features[0], title="LeNet-5 first layer: learned 5x5 filters"),
        feature_maps(model.features, image),
    ]
    for fig, path in zip(figures, paths):
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return paths


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="default: 20")
    parser.add_argument("--batch-size", type=int, default=32, help="default: 32")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam's learning rate")
    parser.add_argument("--activation", choices=["tanh", "relu"], default="tanh")
    parser.add_argument("--out", type=Path, default=Path("runs/lenet5"),
                        help="folder for the checkpoint, metrics and plots "
                             "(default: runs/lenet5)")
    parser.add_argument("--limit", type=int, default=0,
                        help="train on the first N training images only (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tensorboard", type=Path, metavar="DIR",
                        help="also log loss, accuracy and weights to TensorBoard in DIR")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    start = time.perf_counter()
    with threadpool_limits(1):  # LeNet's matrices are small: more BLAS threads only contend
        result = train(args)
    model, history = result["model"], result["history"]
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint = args.out / "lenet5_checkpoint.npz"
    minigrad.save({"model": model.state_dict(), "optimizer": result["optimizer"].state_dict(),
                   "epochs": args.epochs}, checkpoint)
    write_metrics(history, args.out / "metrics.csv")
    plot_curves(history, args.out / "curves.png")
    pictures = plot_filters_and_maps(model, result["test_set"][0][0], args.out)
    elapsed = time.perf_counter() - start
    print(f"test accuracy {history['test_acc'][-1]:.4f}  ({elapsed:.1f} s)")
    written = [checkpoint, args.out / "metrics.csv", args.out / "curves.png", *pictures]
    print("saved " + ", ".join(str(path) for path in written))
    return history["test_acc"][-1]


if __name__ == "__main__":
    main()
