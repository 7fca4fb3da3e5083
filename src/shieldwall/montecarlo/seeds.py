"""Where every random stream of a Monte Carlo run comes from.

Replication i draws from SeedSequence(seed, spawn_key=(1, i)) and raid realisation r from
SeedSequence(seed, spawn_key=(0, r)): a replication's streams depend on the seed and its own index
only, never on how replications are split into tasks, workers, shards or machines. Replications are
split into `realisations` contiguous blocks, each flown against its own raid realisation (launch
times, points and targets).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence


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


# --------------------------------------------------------------------------- keyed streams

_MASK32 = 0xFFFF_FFFF
# NumPy's SeedSequence (numpy/random/bit_generator.pyx): its hash constants and pool size, fixed
# so that a seed gives the same numbers in every NumPy release (NEP 19).
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R, _XSHIFT, _POOL_SIZE = 0xCA01F9DD, 0x4973F715, 16, 4


def streams(rng: np.random.Generator | np.random.SeedSequence, keys: Sequence[str]) -> list[np.random.Generator]:
    """One Generator per key, the same whatever other keys exist: seeded by
    SeedSequence(entropy, spawn_key=(*spawn_key, crc32(key))) of `rng`'s seed sequence (or of
    `rng`, a seed sequence).

    The keys' seed sequences differ only in their last word, so NumPy's pool mixing is done once
    for the words they share and finished for all keys at once, as is the state each Generator is
    seeded with (`_KeyedSeed`); a replication's dozen or more streams then cost a fraction of
    building each SeedSequence anew. The numbers are NumPy's, bit for bit
    (tests/montecarlo/test_seeds.py).
    """
    seed = rng if isinstance(rng, np.random.SeedSequence) else rng.bit_generator.seed_seq
    run = _words(seed.entropy)
    shared = (*run, *[0] * (_POOL_SIZE - len(run)), *_words(seed.spawn_key))
    last = _crc32s(tuple(keys))
    # NumPy's uint32 arithmetic wraps modulo 2**32, as SeedSequence's does.
    xor, multiplier = _key_steps(len(shared))
    keyed = _mix_words(np.array(_mixed_pool(shared), dtype=np.uint32), _hash_words(last[:, None], xor, multiplier))
    # The four 64-bit words PCG64 is seeded with: SeedSequence.generate_state(4, np.uint64).
    xor, multiplier = _state_steps()
    state = _hash_words(keyed[:, np.arange(8) % _POOL_SIZE], xor, multiplier).astype(np.uint64)
    state = state[:, 0::2] | state[:, 1::2] << np.uint64(32)
    return [np.random.Generator(np.random.PCG64(_KeyedSeed(seed.entropy, (*seed.spawn_key, word), keyed[k], state[k])))
            for k, word in enumerate(last.tolist())]


# A replication's words differ from the last one's in the spawn key's last word only: the pool
# mixed from the words before it (the run's seed and the spawn key's first word) is kept.
@lru_cache(maxsize=64)
def _mixed_pool(words: tuple[int, ...]) -> tuple[int, ...]:
    """SeedSequence's entropy pool after mixing in `words` (at least `_POOL_SIZE` of them)."""
    steps = _steps(_INIT_A, _MULT_A, 4 * len(words))
    if len(words) > _POOL_SIZE:
        at = 4 * (len(words) - 1)
        return tuple(_mix(entry, _hash(words[-1], steps[at + target]))
                     for target, entry in enumerate(_mixed_pool(words[:-1])))
    pool = [_hash(word, steps[i]) for i, word in enumerate(words)]
    at = _POOL_SIZE
    for source in range(_POOL_SIZE):
        for target in range(_POOL_SIZE):
            if source != target:
                pool[target] = _mix(pool[target], _hash(pool[source], steps[at]))
                at += 1
    return tuple(pool)


@lru_cache(maxsize=None)  # a process sees a few sets of keys: one per scenario variant it flies
def _crc32s(keys: tuple[str, ...]) -> np.ndarray:
    return np.array([zlib.crc32(key.encode()) for key in keys], dtype=np.uint32)


@lru_cache(maxsize=None)
def _key_steps(shared_words: int) -> tuple[np.ndarray, np.ndarray]:
    """The hash steps with which a key's word is mixed into the pool after `shared_words` words."""
    xor, multiplier = zip(*_steps(_INIT_A, _MULT_A, 4 * shared_words + 4)[4 * shared_words:])
    return np.array(xor, dtype=np.uint32), np.array(multiplier, dtype=np.uint32)


@lru_cache(maxsize=None)
def _state_steps() -> tuple[np.ndarray, np.ndarray]:
    xor, multiplier = zip(*_steps(_INIT_B, _MULT_B, 8))
    return np.array(xor, dtype=np.uint32), np.array(multiplier, dtype=np.uint32)


def _hash_words(value: np.ndarray, xor: np.ndarray, multiplier: np.ndarray) -> np.ndarray:
    """`_hash` of uint32 arrays, elementwise."""
    value = (value ^ xor) * multiplier
    return value ^ value >> np.uint32(_XSHIFT)


def _mix_words(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`_mix` of uint32 arrays, elementwise."""
    result = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
    return result ^ result >> np.uint32(_XSHIFT)


@lru_cache(maxsize=None)
def _steps(const: int, multiplier: int, count: int) -> tuple[tuple[int, int], ...]:
    """(xor, multiplier) of SeedSequence's first `count` hash steps from `const`: its hash
    constant advances at every step, whatever the data."""
    steps = []
    for _ in range(count):
        following = const * multiplier & _MASK32
        steps.append((const, following))
        const = following
    return tuple(steps)


def _hash(value: int, step: tuple[int, int]) -> int:
    """SeedSequence's hashmix (and its output hash) of one 32-bit word at one step."""
    value = (value ^ step[0]) * step[1] & _MASK32
    return value ^ value >> _XSHIFT


def _mix(x: int, y: int) -> int:
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ result >> _XSHIFT


def _words(value) -> list[int]:
    """An integer, or a sequence of them, as SeedSequence reads it: 32-bit words, least significant
    first ([0] for 0), sequences concatenated."""
    if isinstance(value, (int, np.integer)):
        value = int(value)
        words = [value & _MASK32]
        value >>= 32
        while value:
            words.append(value & _MASK32)
            value >>= 32
        return words
    return [word for item in value for word in _words(item)]


class _KeyedSeed(ISpawnableSeedSequence):
    """The SeedSequence(entropy, spawn_key) whose mixed pool `streams` computed: it generates the
    same state and spawns the same children."""

    def __init__(self, entropy, spawn_key: tuple, pool: np.ndarray, seed_state: np.ndarray):
        self.entropy, self.spawn_key, self.pool = entropy, spawn_key, pool
        self.seed_state = seed_state  # generate_state(4, np.uint64), computed by `streams`
        self.n_children_spawned = 0

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        wide = dtype is np.uint64 or np.dtype(dtype) == np.dtype(np.uint64)
        if wide and n_words == 4:
            return self.seed_state.copy()
        if not wide and np.dtype(dtype) != np.dtype(np.uint32):
            raise ValueError("only uint32 and uint64 are supported")
        count = 2 * n_words if wide else n_words
        pool = self.pool.tolist()
        state = [_hash(pool[i % _POOL_SIZE], step) for i, step in enumerate(_steps(_INIT_B, _MULT_B, count))]
        if wide:  # little-endian pairs of 32-bit words, as SeedSequence assembles them
            return np.array([low | high << 32 for low, high in zip(state[::2], state[1::2])], dtype=np.uint64)
        return np.array(state, dtype=np.uint32)

    def spawn(self, n_children: int) -> list[np.random.SeedSequence]:
        first = self.n_children_spawned
        self.n_children_spawned += n_children
        return [np.random.SeedSequence(self.entropy, spawn_key=(*self.spawn_key, i), pool_size=_POOL_SIZE)
                for i in range(first, first + n_children)]
