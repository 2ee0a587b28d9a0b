"""Image files that ported programs expect to find on disk, made from the stand-in digits.

A program that reads images from folders (an ``ImageFolder``, a data set it would have
downloaded and unpacked, a style image) finds these in its working folder instead; the
test calls the function its ``Program`` row names before the run.
"""

from __future__ import annotations

from pathlib import Path

import numpy
from PIL import Image
from torchvision_standin.datasets import _digits


def _colour_images(count: int, size: int, train: bool = True) -> list[Image.Image]:
    """``count`` RGB digits, smoothly enlarged to ``size`` x ``size``, in varied colours."""
    images, labels = _digits(train, 28)
    tint = numpy.random.default_rng(11).uniform(0.3, 1.0, (10, 3))
    out = []
    for image, label in zip(images[:count], labels[:count], strict=True):
        grey = Image.fromarray(image).resize((size, size), Image.BILINEAR)
        colour = numpy.asarray(grey, dtype=numpy.float32)[..., None] * tint[label]
        out.append(Image.fromarray(colour.round().astype(numpy.uint8), "RGB"))
    return out


def _write(images: list[Image.Image], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k, image in enumerate(images):
        image.save(folder / f"{k:04d}.png")


def bsds300(workdir: Path) -> None:
    """``dataset/BSDS300/images/{train,test}``: what super_resolution's ``data.py``
    downloads and unpacks (16 and 8 images of 256x256 here; BSDS300 has 200 and 100)."""
    root = workdir / "dataset" / "BSDS300" / "images"
    _write(_colour_images(16, 256, train=True), root / "train")
    _write(_colour_images(8, 256, train=False), root / "test")


def neural_style(workdir: Path) -> None:
    """fast_neural_style's inputs: ``train/digits/*.png`` (an ``ImageFolder`` of 16 RGB
    images of 64x64; the original trains on COCO) and ``style.png`` (one 64x64 image)."""
    _write(_colour_images(16, 64, train=True), workdir / "train" / "digits")
    _colour_images(1, 64, train=False)[0].save(workdir / "style.png")
