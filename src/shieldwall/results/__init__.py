"""Results: Arrow tables, summary statistics with intervals, and the results folder."""

from shieldwall.results.store import ResultsExistError, read_folder, write_folder
from shieldwall.results.summary import (
    Estimate,
    mean_interval,
    ratio_interval,
    summarise,
    wilson_interval,
)
from shieldwall.results.tables import (
    TABLES,
    Labels,
    concatenate,
    outcome_columns,
    to_arrow,
)

__all__ = [
    "TABLES", "Estimate", "Labels", "ResultsExistError", "concatenate", "mean_interval",
    "outcome_columns", "ratio_interval", "read_folder", "summarise", "to_arrow", "wilson_interval",
    "write_folder",
]
