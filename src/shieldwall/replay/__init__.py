"""Replay of one replication: stored engagements on recomputed flights, CZML export and a local
CesiumJS viewer."""

from shieldwall.replay._czml import (
    build_czml,
    replay_metadata,
    write_czml,
)
from shieldwall.replay._replicate import Replay, ReplayError, build_replay, resimulate
from shieldwall.replay._server import ReplayServer

__all__ = [
    "Replay", "ReplayError", "ReplayServer", "build_czml", "build_replay", "replay_metadata",
    "resimulate", "write_czml",
]
