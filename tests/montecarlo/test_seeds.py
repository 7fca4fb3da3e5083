"""Keyed random streams are NumPy's own SeedSequence streams, bit for bit."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from shieldwall.montecarlo.seeds import replication_rng, replication_seed, streams

KEYS = ["threats", "sensor:isr-green-pine-central", "sensor:usa-launch-warning", "", "sensor:gpa-radar"]


def _numpy_stream(seed: np.random.SeedSequence, key: str) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, zlib.crc32(key.encode()))))


@pytest.mark.parametrize("entropy,spawn_key", [
    (0, ()), (7, (1, 3)), (2**32 - 1, (0,)), (2**32, (1, 12345)), (2**64 + 5, (1, 2**40 + 3)),
    (2**127 + 2**96 + 17, (1, 999)), (2**160 + 1, (4, 5, 6)), ([3, 2**33, 0], (1,)),
])
def test_streams_equal_numpy_seed_sequences(entropy, spawn_key):
    seed = np.random.SeedSequence(entropy, spawn_key=spawn_key)
    ours = streams(np.random.default_rng(seed), KEYS)
    for key, generator in zip(KEYS, ours):
        reference = _numpy_stream(seed, key)
        assert generator.bit_generator.state == reference.bit_generator.state, key
        assert np.array_equal(generator.random(5), reference.random(5))
        mixed = generator.bit_generator.seed_seq
        for words, dtype in ((3, np.uint32), (4, np.uint64), (5, np.uint64), (8, np.uint32)):
            assert np.array_equal(mixed.generate_state(words, dtype),
                                  reference.bit_generator.seed_seq.generate_state(words, dtype))


def test_streams_of_random_seeds_and_their_children_equal_numpy():
    picker = np.random.default_rng(0)
    for _ in range(200):
        entropy = int(picker.integers(0, 2**62)) << int(picker.integers(0, 80))
        seed = np.random.SeedSequence(entropy, spawn_key=(1, int(picker.integers(0, 2**40))))
        key = f"sensor:{picker.integers(0, 10**6)}"
        ours, reference = streams(np.random.default_rng(seed), [key])[0], _numpy_stream(seed, key)
        assert ours.bit_generator.state == reference.bit_generator.state
        # Children (the tracked fidelity spawns one per sensor stream) and their order.
        for a, b in zip(ours.spawn(2) + ours.spawn(1), reference.spawn(2) + reference.spawn(1)):
            assert a.bit_generator.state == b.bit_generator.state


def test_streams_of_a_runs_replications_equal_numpy():
    # The runner passes each replication's seed sequence itself; the pool mixed from the run's
    # words is kept between replications, whose spawn keys take one word, then two.
    for i in (0, 1, 7, 2**32 - 1, 2**32, 2**32 + 9, 3):
        seed = replication_seed(11, i)
        for key, ours in zip(KEYS, streams(seed, KEYS)):
            assert ours.bit_generator.state == _numpy_stream(seed, key).bit_generator.state, (i, key)
        assert np.array_equal(streams(seed, KEYS)[0].random(3), streams(np.random.default_rng(seed), KEYS)[0].random(3))


def test_a_stream_does_not_depend_on_the_other_keys():
    rng = replication_rng(3, 41)
    alone = streams(rng, ["threats"])[0].random(4)
    among = streams(rng, [*KEYS[1:], "threats"])[-1].random(4)
    assert np.array_equal(alone, among)


def test_unsupported_state_types_are_refused():
    seed = streams(replication_rng(0, 0), ["threats"])[0].bit_generator.seed_seq
    with pytest.raises(ValueError):
        seed.generate_state(2, np.int32)
