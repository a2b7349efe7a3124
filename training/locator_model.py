"""The locator: a small U-Net that turns a 256×256 view of a film into one heat map per SvdH
joint (and one for each hand's centre) at a quarter of the input resolution.

Read top to bottom as the diagram:

    image 1×256×256
      stem  conv s2            → c0 × 128
      enc1  conv               → c0 × 128
      enc2  conv s2, conv      → c1 × 64
      enc3  conv s2, conv      → c2 × 32
      enc4  conv s2, conv      → c3 × 16
      enc5  conv s2, conv      → c4 × 8     (sees the whole view: tells fingers apart)
      dec4  up ⊕ enc4, conv    → c3 × 16
      dec3  up ⊕ enc3, conv    → c2 × 32
      dec2  up ⊕ enc2, conv    → c1 × 64
      head  conv, 1×1 conv     → K × 64     heat maps
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class LocatorConfig:
    channels: tuple[int, ...] = (16, 32, 48, 64, 96)
    outputs: int = 23


def conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class Locator(nn.Module):
    def __init__(self, cfg: LocatorConfig):
        super().__init__()
        c = cfg.channels
        self.stem = conv(1, c[0], 2)
        self.enc1 = conv(c[0], c[0])
        self.enc2 = nn.Sequential(conv(c[0], c[1], 2), conv(c[1], c[1]))
        self.enc3 = nn.Sequential(conv(c[1], c[2], 2), conv(c[2], c[2]))
        self.enc4 = nn.Sequential(conv(c[2], c[3], 2), conv(c[3], c[3]))
        self.enc5 = nn.Sequential(conv(c[3], c[4], 2), conv(c[4], c[4]))
        self.dec4 = conv(c[4] + c[3], c[3])
        self.dec3 = conv(c[3] + c[2], c[2])
        self.dec2 = conv(c[2] + c[1], c[1])
        self.head = nn.Sequential(conv(c[1], c[1]), nn.Conv2d(c[1], cfg.outputs, 1))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x1 = self.enc1(self.stem(image))
        x2 = self.enc2(x1)
        x3 = self.enc3(x2)
        x4 = self.enc4(x3)
        x5 = self.enc5(x4)
        y = self.dec4(torch.cat([up(x5), x4], 1))
        y = self.dec3(torch.cat([up(y), x3], 1))
        y = self.dec2(torch.cat([up(y), x2], 1))
        return self.head(y)


def up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")
