"""A stand-in for the parts of torchvision that the ported programs use.

It exists for the data substitution only (the test machine has no internet and no
torchvision): ``datasets.MNIST``/``FashionMNIST`` give scikit-learn's 8x8 digits scaled to
28x28, ``datasets.CIFAR10`` gives them at 32x32 in colour, ``transforms`` converts and
normalises like torchvision's, ``datasets.ImageFolder`` reads image files (written by
``standin_files``), ``models.vgg16`` is VGG-16 with random weights and
``utils.save_image`` writes a PNG. Images come as
uint8 NumPy arrays, as PIL images would, and ``transforms.ToTensor`` makes tensors of
the framework under test (``frameworks.CURRENT``).
"""

from torchvision_standin import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
