"""Train LeNet-5 on handwritten digits, the PyTorch way, with minigrad.

The model is LeCun's classic layout: conv 5x5 -> pool -> conv 5x5 -> pool -> three fully
connected layers, on 32x32 grey images. The data is the 8x8 digits that ship with
scikit-learn (no download), upsampled to 32x32. The script shows a progress bar with the
running loss and accuracy, prints the test accuracy, saves a checkpoint and draws the
training curves and the first layer's filters and feature maps.

    pip install -e ".[examples]"
    python examples/lenet5.py                 # about 20 s on two CPU cores
    python examples/lenet5.py --epochs 1 --limit 200 --out /tmp/quick
    python examples/lenet5.py --tensorboard runs/tb   # then: tensorboard --logdir runs/tb
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, Subset
from minigrad.data.datasets import Digits


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
    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_acc": []}
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
        _, test_acc = evaluate(model, test_loader)
        if writer:
            writer.add_scalar("train/accuracy", correct / seen, epoch)
            writer.add_scalar("test/accuracy", test_acc, epoch)
            for name, parameter in model.named_parameters():
                writer.add_histogram(f"weights/{name}", parameter, epoch)
        history["train_loss"].append(running_loss / seen)
        history["train_acc"].append(correct / seen)
        history["test_acc"].append(test_acc)
        print(f"epoch {epoch:2d}  loss {running_loss / seen:.4f}  train acc "
              f"{correct / seen:.4f}  test acc {test_acc:.4f}")
    if writer:
        writer.close()
    return {"model": model, "optimizer": optimizer, "history": history, "test_set": test_set}


def plot_curves(history: dict[str, list[float]], path: Path) -> None:
    """Loss and accuracy per epoch."""
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history["train_loss"], marker="o")
    ax_loss.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    ax_acc.plot(epochs, history["train_acc"], marker="o", label="train")
    ax_acc.plot(epochs, history["test_acc"], marker="o", label="test")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    ax_acc.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_first_layer(model: LeNet5, image: minigrad.Tensor, path: Path) -> None:
    """The six 5x5 filters of the first convolution and the feature maps they make of one
    test image (each map is ``tanh(W_k * x + b_k)``)."""
    import matplotlib.pyplot as plt

    conv, act = model.features[0], model.features[1]
    filters = conv.weight.detach().numpy()[:, 0]
    with minigrad.no_grad():
        maps = act(conv(image.unsqueeze(0)))[0].numpy()
    k = filters.shape[0]
    fig, axes = plt.subplots(3, k, figsize=(2 * k, 6.4))
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(image[0].numpy(), cmap="gray")
    axes[0, 0].set_title("input")
    for i in range(k):
        axes[1, i].imshow(filters[i], cmap="coolwarm")
        axes[1, i].set_title(f"filter {i}")
        axes[2, i].imshow(maps[i], cmap="viridis")
        axes[2, i].set_title(f"feature map {i}")
    fig.suptitle("LeNet-5 first layer: learned 5x5 filters and their feature maps")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--activation", choices=["tanh", "relu"], default="tanh")
    parser.add_argument("--out", type=Path, default=Path("runs/lenet5"))
    parser.add_argument("--limit", type=int, default=0,
                        help="train on the first N training images only (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tensorboard", type=Path, metavar="DIR",
                        help="also log loss, accuracy and weights to TensorBoard in DIR")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    result = train(args)
    model, history = result["model"], result["history"]
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint = args.out / "lenet5_checkpoint.npz"
    minigrad.save({"model": model.state_dict(), "optimizer": result["optimizer"].state_dict(),
                   "epochs": args.epochs}, checkpoint)
    plot_curves(history, args.out / "curves.png")
    plot_first_layer(model, result["test_set"][0][0], args.out / "first_layer.png")
    elapsed = time.perf_counter() - start
    print(f"test accuracy {history['test_acc'][-1]:.4f}  ({elapsed:.1f} s)")
    print(f"saved {checkpoint}, {args.out / 'curves.png'} and {args.out / 'first_layer.png'}")
    return history["test_acc"][-1]


if __name__ == "__main__":
    main()
