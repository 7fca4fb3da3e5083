"""shieldwall: open analysis of coalition air and missile defence.

The main entry points: `load_scenario` (a bundled name or a YAML file) and `run` (Monte Carlo
replications returning Arrow tables and a summary with confidence intervals).
"""

__version__ = "0.1.0"

from shieldwall.montecarlo import Results, run  # noqa: E402
from shieldwall.scenario import ScenarioError, load_scenario  # noqa: E402

__all__ = ["Results", "ScenarioError", "__version__", "load_scenario", "run"]
