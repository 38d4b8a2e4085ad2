"""Speed of the Pareto front (``tyaga.pareto.nondominated_mask``) on 2, 3 and 4 objectives, against a brute-force
NumPy check of the same rows timed in the same run (the anchor: every row against every other, in blocks).

Cases, minimising every column: uniform random points (few on the front), correlated objectives as in a sweep
(energy against range: thousands on the front), and the worst case for 4 objectives: every point on the
plane f₁ + f₂ + f₃ + f₄ = 2, so every point is on the front and the 4-objective scan is O(n²). The masks of both
methods are checked to be equal. Run::

    python benchmarks/bench_pareto.py [--rows 100000] [--anchor-rows 20000] [--worst-rows 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def brute_force(F: np.ndarray, block: int = 256) -> np.ndarray:
    """Non-dominated mask by comparing every row with every other (minimisation)."""
    n = F.shape[0]
    keep = np.ones(n, dtype=bool)
    for s in range(0, n, block):
        B = F[s:s + block]
        le = np.all(F[None, :, :] <= B[:, None, :], axis=2)
        lt = np.any(F[None, :, :] < B[:, None, :], axis=2)
        keep[s:s + block] = ~np.any(le & lt, axis=1)
    return keep


def cases(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    a = rng.random(n)
    return {
        "2 objectives, random": rng.random((n, 2)),
        "3 objectives, random": rng.random((n, 3)),
        "4 objectives, random": rng.random((n, 4)),
        "4 objectives, correlated": np.c_[a + 0.1 * rng.random(n), -a + 0.1 * rng.random(n), rng.random(n),
                                          a * rng.random(n)],
    }


def worst(n: int, rng: np.random.Generator) -> np.ndarray:
    X = rng.random((n, 4))
    X[:, 3] = 2.0 - X[:, :3].sum(axis=1)
    return X


def timed(fn: object, *args: object) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    out = fn(*args)  # type: ignore[operator]
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--anchor-rows", type=int, default=20_000, help="rows of the brute-force comparison")
    ap.add_argument("--worst-rows", type=int, default=20_000, help="rows of the all-on-the-front case")
    a = ap.parse_args()
    from tyaga.pareto import nondominated_mask

    rng = np.random.default_rng(1)
    for k in (2, 3, 4):
        nondominated_mask(rng.random((50, k)), ["min"] * k)  # compile / load the cache
    print(f"{'case':30s}{'rows':>9s}{'on front':>10s}{'tyaga [s]':>11s}{'brute [s]':>11s}{'ratio':>8s}")
    for name, X in cases(a.rows, rng).items():
        k = X.shape[1]
        t, m = timed(nondominated_mask, X, ["min"] * k)
        sub = X[: a.anchor_rows]
        t_small, m_small = timed(nondominated_mask, sub, ["min"] * k)
        t_brute, m_brute = timed(brute_force, sub)
        assert np.array_equal(m_small, m_brute), name
        print(f"{name:30s}{a.rows:9,d}{int(m.sum()):10,d}{t:11.3f}{'':11s}{'':8s}")
        print(f"{'  same, first rows':30s}{sub.shape[0]:9,d}{int(m_small.sum()):10,d}{t_small:11.3f}{t_brute:11.3f}"
              f"{t_brute / t_small:7.0f}×")
    X = worst(a.worst_rows, rng)
    t, m = timed(nondominated_mask, X, ["min"] * 4)
    t_brute, m_brute = timed(brute_force, X)
    assert np.array_equal(m, m_brute)
    print(f"{'4 objectives, all on front':30s}{X.shape[0]:9,d}{int(m.sum()):10,d}{t:11.3f}{t_brute:11.3f}"
          f"{t_brute / t:7.1f}×")


if __name__ == "__main__":
    main()
