"""Where every random stream of a Monte Carlo run comes from.

Replication i draws from SeedSequence(seed, spawn_key=(1, i)) and raid realisation r from
SeedSequence(seed, spawn_key=(0, r)): a replication's streams depend on the seed and its own index
only, never on how replications are split into tasks, workers, shards or machines. Replications are
split into `realisations` contiguous blocks, each flown against its own raid realisation (launch
times, points and targets).
"""

from __future__ import annotations

import numpy as np


def realisation_seed(seed: int, r: int) -> np.random.SeedSequence:
    """The seed sequence of raid realisation `r` of a run with root seed `seed`."""
    return np.random.SeedSequence(seed, spawn_key=(0, r))


def replication_seed(seed: int, i: int) -> np.random.SeedSequence:
    """The seed sequence of replication `i` of a run with root seed `seed`."""
    return np.random.SeedSequence(seed, spawn_key=(1, i))


def realisation_rng(seed: int, r: int) -> np.random.Generator:
    return np.random.default_rng(realisation_seed(seed, r))


def replication_rng(seed: int, i: int) -> np.random.Generator:
    return np.random.default_rng(replication_seed(seed, i))


def realisation_of(i: int, runs: int, realisations: int) -> int:
    """The raid realisation that replication `i` of `runs` flies."""
    return i * realisations // runs


def block(r: int, runs: int, realisations: int) -> range:
    """The replications that fly raid realisation `r`: those i with realisation_of(i) == r."""
    return range(-(-r * runs // realisations), -(-(r + 1) * runs // realisations))
