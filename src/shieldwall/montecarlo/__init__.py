"""Monte Carlo over seeded replications."""

from shieldwall.montecarlo.run import (
    ASSIGNERS,
    FIDELITIES,
    Results,
    assigner_named,
    realisation_seed,
    replication_seed,
    run,
)

__all__ = ["ASSIGNERS", "FIDELITIES", "assigner_named", "Results", "realisation_seed", "replication_seed", "run"]
