# minigrad port of a public PyTorch program (tests/ports/README.md).
# Source: https://github.com/d2l-ai/d2l-pytorch-colab/blob/f8543710a7046a947464f0fa3ad0f8619d7613d3/chapter_convolutional-modern/resnet.ipynb
# Licence: MIT-0 (d2l-en sample code, LICENSE-SAMPLECODE), (c) 2019 Amazon.com, Inc.
# Changed (everything else is the original, byte for byte):
#   - import: `import torch` -> `import minigrad as torch`
#   - import: `from torch import nn` -> `from minigrad import nn`
#   - import: `from torch.nn import functional as F` -> `from minigrad.nn import functional as F`
#   - steps: `trainer = d2l.Trainer(max_epochs=10, num_gpus=1)` -> `trainer = d2l.Trainer(max_epochs=1, num_gpus=1)  # PORT: was max_epochs=10`
#   - size: `data = d2l.FashionMNIST(batch_size=128, resize=(96, 96))` -> `data = d2l.FashionMNIST(batch_size=128, resize=(32, 32))  # PORT: was resize=(96, 96)`
#   - size: `ResNet18().layer_summary((1, 1, 96, 96))` -> `ResNet18().layer_summary((1, 1, 64, 64))  # PORT: was (1, 1, 96, 96)`
#   - size: `X = torch.randn(4, 32, 96, 96)` -> `X = torch.randn(4, 32, 32, 32)  # PORT: was (4, 32, 96, 96)`
# Note: the program is the notebook's code cells in order (the first, `!pip install d2l==1.0.3`, is
# Note: a shell command, left out), joined by blank lines; d2l-pytorch-colab holds d2l-en's chapters
# Note: as generated for PyTorch (d2lbook resolved the `tab.selected` branches). `from d2l import
# Note: torch as d2l` loads the vendored subset of d2l/torch.py in tests/ports/support/d2l/.
# -----------------------------------------------------------------------------
import minigrad as torch
from minigrad import nn
from minigrad.nn import functional as F
from d2l import torch as d2l

class Residual(nn.Module):  #@save
    """The Residual block of ResNet models."""
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1,
                                   stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)

blk = Residual(3)
X = torch.randn(4, 3, 6, 6)
blk(X).shape

blk = Residual(6, use_1x1conv=True, strides=2)
blk(X).shape

class ResNet(d2l.Classifier):
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

@d2l.add_to_class(ResNet)
def block(self, num_residuals, num_channels, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels))
    return nn.Sequential(*blk)

@d2l.add_to_class(ResNet)
def __init__(self, arch, lr=0.1, num_classes=10):
    super(ResNet, self).__init__()
    self.save_hyperparameters()
    self.net = nn.Sequential(self.b1())
    for i, b in enumerate(arch):
        self.net.add_module(f'b{i+2}', self.block(*b, first_block=(i==0)))
    self.net.add_module('last', nn.Sequential(
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.LazyLinear(num_classes)))
    self.net.apply(d2l.init_cnn)

class ResNet18(ResNet):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__(((2, 64), (2, 128), (2, 256), (2, 512)),
                       lr, num_classes)

ResNet18().layer_summary((1, 1, 64, 64))  # PORT: was (1, 1, 96, 96)

model = ResNet18(lr=0.01)
trainer = d2l.Trainer(max_epochs=1, num_gpus=1)  # PORT: was max_epochs=10
data = d2l.FashionMNIST(batch_size=128, resize=(32, 32))  # PORT: was resize=(96, 96)
model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
trainer.fit(model, data)

class ResNeXtBlock(nn.Module):  #@save
    """The ResNeXt block."""
    def __init__(self, num_channels, groups, bot_mul, use_1x1conv=False,
                 strides=1):
        super().__init__()
        bot_channels = int(round(num_channels * bot_mul))
        self.conv1 = nn.LazyConv2d(bot_channels, kernel_size=1, stride=1)
        self.conv2 = nn.LazyConv2d(bot_channels, kernel_size=3,
                                   stride=strides, padding=1,
                                   groups=bot_channels//groups)
        self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=1)
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()
        self.bn3 = nn.LazyBatchNorm2d()
        if use_1x1conv:
            self.conv4 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
            self.bn4 = nn.LazyBatchNorm2d()
        else:
            self.conv4 = None

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        if self.conv4:
            X = self.bn4(self.conv4(X))
        return F.relu(Y + X)

blk = ResNeXtBlock(32, 16, 1)
X = torch.randn(4, 32, 32, 32)  # PORT: was (4, 32, 96, 96)
blk(X).shape
