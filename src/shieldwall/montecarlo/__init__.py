"""Monte Carlo over seeded replications."""

from shieldwall.montecarlo.run import FIDELITIES, Results, realisation_seed, replication_seed, run

__all__ = ["FIDELITIES", "Results", "realisation_seed", "replication_seed", "run"]
