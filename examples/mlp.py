"""A minimal multilayer perceptron: the smallest complete training loop.

Flattens the 8x8 scikit-learn digits into 64 numbers and learns them with two fully
connected layers and plain SGD.

    python examples/mlp.py [--epochs 30] [--lr 0.1] [--limit N]
"""

from __future__ import annotations

import argparse

import minigrad
from minigrad import nn, optim
from minigrad.data import DataLoader, Subset
from minigrad.data.datasets import Digits


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description="MLP on the 8x8 digits")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--limit", type=int, default=0, help="use only N training images")
    args = parser.parse_args(argv)

    minigrad.manual_seed(0)
    train_set: Digits | Subset = Digits(train=True, size=8)
    if args.limit:
        train_set = Subset(train_set, range(args.limit))
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, generator=0)
    test_images, test_labels = next(iter(DataLoader(Digits(train=False, size=8),
                                                    batch_size=1000)))

    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    for epoch in range(args.epochs):
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
        with minigrad.no_grad():
            accuracy = float((model(test_images).argmax(1) == test_labels).float().mean())
        print(f"epoch {epoch + 1:2d}  last batch loss {float(loss):.4f}  test acc {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
