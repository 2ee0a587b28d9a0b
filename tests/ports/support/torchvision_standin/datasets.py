"""Small labelled image sets with torchvision's constructors (see the package docstring)."""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import frameworks
import numpy

TRAIN_SIZE = 400
TEST_SIZE = 200


@cache
def _digits(train: bool, size: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    from minigrad.data import Digits

    digits = Digits(train=train, size=size)
    count = TRAIN_SIZE if train else TEST_SIZE
    images = numpy.stack([digits[i][0].numpy()[0] for i in range(count)])
    labels = numpy.array([digits[i][1] for i in range(count)], dtype=numpy.int64)
    return (numpy.clip(images, 0, 1) * 255).round().astype(numpy.uint8), labels


class _Images:
    classes: ClassVar[list[str]] = [str(c) for c in range(10)]

    def __init__(self, root: Any = None, train: bool = True, transform: Any = None,
                 target_transform: Any = None, download: bool = False) -> None:
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        self.images, self.labels = self._load(train)

    def _load(self, train: bool) -> tuple[numpy.ndarray, numpy.ndarray]:
        return _digits(train, 28)

    @property
    def targets(self) -> Any:
        return frameworks.from_numpy(self.labels)

    @property
    def data(self) -> Any:
        return frameworks.from_numpy(self.images)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image: Any = self.images[index]
        label: Any = int(self.labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label


class MNIST(_Images):
    """Digits at 28x28, uint8 ``(28, 28)`` images."""


class FashionMNIST(_Images):
    """The same digits, under Fashion-MNIST's class names."""

    classes: ClassVar[list[str]] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class CIFAR10(_Images):
    """Digits at 32x32 in a colour that depends on the class: uint8 ``(32, 32, 3)``."""

    classes: ClassVar[list[str]] = ["plane", "car", "bird", "cat", "deer", "dog", "frog",
                                    "horse", "ship", "truck"]

    def _load(self, train: bool) -> tuple[numpy.ndarray, numpy.ndarray]:
        images, labels = _digits(train, 32)
        tint = numpy.random.default_rng(10).uniform(0.3, 1.0, (10, 3))
        colour = images[..., None] * tint[labels][:, None, None, :]
        return colour.round().astype(numpy.uint8), labels


class FakeData:
    """Random images with random labels, as torchvision's ``FakeData``; 32 images by
    default here (torchvision: 1000), so a test run takes a few steps."""

    def __init__(self, size: int = 32, image_size: tuple[int, int, int] = (3, 224, 224),
                 num_classes: int = 10, transform: Any = None, target_transform: Any = None,
                 random_offset: int = 0) -> None:
        rng = numpy.random.default_rng(random_offset)
        c, h, w = image_size
        self.images = rng.integers(0, 256, (size, h, w, c), dtype=numpy.uint8)
        self.labels = rng.integers(0, num_classes, size)
        self.transform, self.target_transform = transform, target_transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image: Any = self.images[index]
        label: Any = int(self.labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label


class ImageFolder:
    """torchvision's ``ImageFolder``: ``root/<class>/<image>`` files read with PIL as RGB,
    classes numbered in sorted order. The files are real ones (a test writes them with
    ``standin_files``); ``loader`` and ``is_valid_file`` are as torchvision's."""

    EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")

    def __init__(self, root: Any, transform: Any = None, target_transform: Any = None,
                 loader: Any = None, is_valid_file: Any = None) -> None:
        from pathlib import Path

        folder = Path(root)
        self.classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
        if not self.classes:
            raise FileNotFoundError(f"Couldn't find any class folder in {root}.")
        self.class_to_idx = {name: k for k, name in enumerate(self.classes)}
        valid = is_valid_file or (lambda path: path.lower().endswith(self.EXTENSIONS))
        self.samples = [(str(path), self.class_to_idx[name]) for name in self.classes
                        for path in sorted((folder / name).iterdir()) if valid(str(path))]
        self.targets = [label for _, label in self.samples]
        self.loader = loader or _pil_rgb
        self.transform, self.target_transform = transform, target_transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, label = self.samples[index]
        image = self.loader(path)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label


def _pil_rgb(path: str) -> Any:
    from PIL import Image

    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")
