"""The scorer: a small CNN over one joint patch, told which joint it is, with two ordinal heads.

Each head is a cumulative-link (ordinal logistic) model: the network gives one score s per
patch and the head holds increasing thresholds b_1 < … < b_{K-1}; P(grade ≥ k) = σ((s − b_k)/T)
and the class probabilities are the differences of neighbouring cumulative probabilities, so
they are non-negative and ordered by construction. T is a temperature fitted on the validation
part after training (1 while training).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
import torch.nn.functional as F


@dataclass
class ScorerConfig:
    joints: int = 22
    jsn_classes: int = 5
    erosion_classes: int = 6
    width: tuple[int, ...] = (16, 24, 48, 64, 96)
    dropout: float = 0.2


def block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class OrdinalHead(nn.Module):
    def __init__(self, features: int, classes: int):
        super().__init__()
        self.score = nn.Linear(features, 1)
        self.first = nn.Parameter(torch.tensor(0.0))
        self.steps = nn.Parameter(torch.zeros(classes - 2))
        self.register_buffer("temperature", torch.tensor(1.0))

    def thresholds(self) -> torch.Tensor:
        steps = F.softplus(self.steps) + 1e-3
        return torch.cat([self.first[None], self.first + torch.cumsum(steps, 0)])

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        s = self.score(h)  # (N, 1)
        cum = torch.sigmoid((s - self.thresholds()[None]) / self.temperature)  # (N, K-1)
        ones = torch.ones_like(cum[:, :1])
        zeros = torch.zeros_like(cum[:, :1])
        upper = torch.cat([ones, cum], 1)
        lower = torch.cat([cum, zeros], 1)
        return (upper - lower).clamp_min(0)  # (N, K) class probabilities


class Scorer(nn.Module):
    def __init__(self, cfg: ScorerConfig):
        super().__init__()
        w = cfg.width
        self.features = nn.Sequential(
            block(1, w[0], 2),                               # 48
            block(w[0], w[1]), nn.MaxPool2d(2),              # 24
            block(w[1], w[2]), block(w[2], w[2]), nn.MaxPool2d(2),  # 12
            block(w[2], w[3]), block(w[3], w[3]), nn.MaxPool2d(2),  # 6
            block(w[3], w[4]),
        )
        self.joint = nn.Linear(cfg.joints, 32)
        self.mix = nn.Sequential(nn.Linear(2 * w[4] + 32, 128), nn.ReLU(inplace=True),
                                 nn.Dropout(cfg.dropout))
        self.jsn = OrdinalHead(128, cfg.jsn_classes)
        self.erosion = OrdinalHead(128, cfg.erosion_classes)

    def forward(self, image: torch.Tensor, joint: torch.Tensor):
        f = self.features(image)
        pooled = torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1)
        h = self.mix(torch.cat([pooled, F.relu(self.joint(joint))], 1))
        return self.jsn(h), self.erosion(h)
