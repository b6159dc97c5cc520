"""Choosing a few candidate patches from their embeddings: manifold-aware farthest point, plain FPS, random.

Plain farthest point sampling (FPS) covers the embedding space but prefers outliers: an isolated patch (a
cloud, a saturated roof, a no-data edge) is far from everything and is picked early. The manifold sampler
corrects this in two ways, both from a k-nearest-neighbour graph of the standardised embeddings:
- distances are geodesic (shortest paths along the graph, Dijkstra), so "far" means far along the data
  manifold, not across empty space;
- each candidate's distance to the chosen set is multiplied by its density weight
  w_i = min(1, median(s) / s_i), s_i the distance to its k-th neighbour: a point in a sparse region
  (an outlier) has a large s_i and a small weight, so it is not preferred.
Disconnected graph components get a finite distance (twice the largest finite one) so they are still
reachable, but their weight still applies.
"""
from __future__ import annotations

import heapq
from typing import List, Tuple

import numpy as np

from ..errors import EngineError
from ..training.patches import farthest_points
from .options import SAMPLERS

KNN_CHUNK = 1024  # rows of the distance matrix computed at once (memory: chunk x N floats)


def standardise(emb: np.ndarray) -> np.ndarray:
    """(N, D) embeddings with each dimension at zero mean and unit std (constant dimensions: zero)."""
    emb = np.asarray(emb, dtype=np.float64)
    std = emb.std(0)
    return (emb - emb.mean(0)) / np.where(std > 1e-12, std, 1.0)


def knn_graph(z: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """(indices (N, k), distances (N, k)) of each point's k nearest other points, nearest first."""
    n = z.shape[0]
    k = min(k, n - 1)
    idx = np.zeros((n, k), dtype=np.int64)
    dist = np.zeros((n, k))
    sq = (z * z).sum(1)
    for s in range(0, n, KNN_CHUNK):
        e = min(n, s + KNN_CHUNK)
        d2 = np.maximum(sq[s:e, None] + sq[None, :] - 2 * z[s:e] @ z.T, 0.0)
        d2[np.arange(e - s), np.arange(s, e)] = np.inf  # a point is not its own neighbour
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]
        pd = np.take_along_axis(d2, part, 1)
        order = np.argsort(pd, axis=1)
        idx[s:e] = np.take_along_axis(part, order, 1)
        dist[s:e] = np.sqrt(np.take_along_axis(pd, order, 1))
    return idx, dist


def adjacency(idx: np.ndarray, dist: np.ndarray) -> List[List[Tuple[int, float]]]:
    """Symmetric neighbour lists of the kNN graph (an edge when either point lists the other)."""
    adj: List[dict] = [dict() for _ in range(idx.shape[0])]
    for i in range(idx.shape[0]):
        for j, d in zip(idx[i].tolist(), dist[i].tolist()):
            adj[i][j] = min(d, adj[i].get(j, np.inf))
            adj[j][i] = min(d, adj[j].get(i, np.inf))
    return [list(a.items()) for a in adj]


def relax_from(adj: List[List[Tuple[int, float]]], source: int, best: np.ndarray) -> None:
    """Lower best[i] (distance to the chosen set) to the geodesic distance from `source` where shorter.

    Dijkstra pruned at nodes whose distance does not improve, so later sources touch few nodes.
    """
    best[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, i = heapq.heappop(heap)
        if d > best[i]:
            continue
        for j, w in adj[i]:
            nd = d + w
            if nd < best[j]:
                best[j] = nd
                heapq.heappush(heap, (nd, j))


def density_weights(dist: np.ndarray) -> np.ndarray:
    """(N,) weights in (0, 1]: min(1, median(s) / s_i), s_i the distance to the k-th neighbour."""
    s = dist[:, -1]
    med = float(np.median(s))
    return np.minimum(1.0, med / np.maximum(s, 1e-12)) if med > 0 else np.ones_like(s)


def manifold_fps(emb: np.ndarray, count: int, rng: np.random.Generator, k: int = 8) -> List[int]:
    """Density-weighted farthest point sampling on geodesic kNN-graph distances (see module doc)."""
    z = standardise(emb)
    n = z.shape[0]
    idx, dist = knn_graph(z, k)
    adj, weight = adjacency(idx, dist), density_weights(dist)
    best = np.full(n, np.inf)
    # start inside the bulk of the data: a seeded draw among the densest half
    dense = np.flatnonzero(weight >= np.median(weight))
    chosen = [int(rng.choice(dense))]
    relax_from(adj, chosen[0], best)
    while len(chosen) < count:
        finite = best[np.isfinite(best)]
        far = 2.0 * float(finite.max()) if finite.size else 1.0
        score = np.where(np.isfinite(best), best, far) * weight
        score[chosen] = -1.0
        nxt = int(np.argmax(score))
        chosen.append(nxt)
        relax_from(adj, nxt, best)
    return sorted(chosen)


def plain_fps(emb: np.ndarray, count: int, rng: np.random.Generator) -> List[int]:
    """Farthest point sampling on Euclidean distances of the standardised embeddings (seeded start)."""
    return farthest_points(standardise(emb), count, rng)


def select(emb: np.ndarray, count: int, sampler: str, rng: np.random.Generator, k: int = 8) -> List[int]:
    """Sorted indices of `count` of the N candidates (emb (N, D)) chosen by `sampler`."""
    n = emb.shape[0]
    if sampler not in SAMPLERS:
        raise EngineError(f"unknown SWIFT sampler '{sampler}'; choose one of: {', '.join(SAMPLERS)}")
    count = max(1, min(count, n))
    if count == n:
        return list(range(n))
    if sampler == "random":
        return sorted(rng.choice(n, size=count, replace=False).tolist())
    if sampler == "fps" or n <= 2:
        return plain_fps(emb, count, rng)
    return manifold_fps(emb, count, rng, k)
