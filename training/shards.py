"""Reads the training shards that `rascore dataset` writes.

A shard folder holds a JSON description and raw little-endian arrays. The Go side does every
pixel operation (reading, cropping, rotating, normalising, augmenting); this module only maps
the arrays and renders heat-map targets from the point coordinates exactly as the JSON
describes, so training and inference see the same inputs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class LocatePart:
    name: str
    images: np.ndarray  # (N, S, S) uint8
    points: np.ndarray  # (N, H, K, 3) float32: x, y (input px), visible (0/1)
    sources: np.ndarray  # (N,) uint8: 0 atlas film, 1 phantom


@dataclass
class LocateShard:
    meta: dict
    parts: dict[str, LocatePart]

    @property
    def channels(self) -> list[str]:
        return self.meta["channels"]


def load_locate(folder: str | Path) -> LocateShard:
    folder = Path(folder)
    meta = json.loads((folder / "locate.json").read_text())
    if meta.get("schema") != "rascore.shard.locate/v1":
        raise ValueError(f"{folder}: unknown shard schema {meta.get('schema')!r}")
    size = meta["input_size"]
    hands, k = meta["max_hands"], len(meta["channels"])
    parts = {}
    for p in meta["parts"]:
        n = p["count"]
        images = np.fromfile(folder / p["images"], dtype=np.uint8).reshape(n, size, size)
        points = np.fromfile(folder / p["points"], dtype="<f4").reshape(n, hands, k, 3)
        sources = np.fromfile(folder / p["sources"], dtype=np.uint8)
        parts[p["name"]] = LocatePart(p["name"], images, points, sources)
    return LocateShard(meta, parts)


def heatmaps(points: np.ndarray, meta: dict) -> np.ndarray:
    """Renders Gaussian targets for a batch of point sets.

    points: (B, H, K, 3). Returns (B, K, M, M) float32 with M = input_size / stride. A point
    at input pixel x lands at heat-map coordinate (x + 0.5) / stride - 0.5; several hands in
    one channel take the maximum of their Gaussians.
    """
    stride = meta["heatmap_stride"]
    sigma = meta["heatmap_sigma"]
    m = meta["input_size"] // stride
    b, h, k, _ = points.shape
    grid = np.arange(m, dtype=np.float32)
    out = np.zeros((b, k, m, m), dtype=np.float32)
    for hand in range(h):
        hx = (points[:, hand, :, 0] + 0.5) / stride - 0.5  # (B, K)
        hy = (points[:, hand, :, 1] + 0.5) / stride - 0.5
        vis = points[:, hand, :, 2] > 0.5
        gx = np.exp(-((grid[None, None, :] - hx[..., None]) ** 2) / (2 * sigma**2))
        gy = np.exp(-((grid[None, None, :] - hy[..., None]) ** 2) / (2 * sigma**2))
        g = gy[..., :, None] * gx[..., None, :]  # (B, K, M, M)
        g *= vis[..., None, None]
        np.maximum(out, g, out=out)
    return out


@dataclass
class ScorePart:
    name: str
    images: np.ndarray  # (N, S, S) uint8
    labels: np.ndarray  # (N, 3) int8: joint index, JSN grade, erosion grade (-1: not scored)
    sources: np.ndarray  # (N,) uint8: 0 RA2-layout film, 1 phantom


def load_score(folder: str | Path) -> tuple[dict, dict[str, ScorePart]]:
    folder = Path(folder)
    meta = json.loads((folder / "score.json").read_text())
    if meta.get("schema") != "rascore.shard.score/v1":
        raise ValueError(f"{folder}: unknown shard schema {meta.get('schema')!r}")
    size = meta["spec"]["size"]
    parts = {}
    for p in meta["parts"]:
        n = p["count"]
        images = np.fromfile(folder / p["images"], dtype=np.uint8).reshape(n, size, size)
        labels = np.fromfile(folder / p["labels"], dtype=np.int8).reshape(n, 3)
        sources = np.fromfile(folder / p["sources"], dtype=np.uint8)
        parts[p["name"]] = ScorePart(p["name"], images, labels, sources)
    return meta, parts
