"""Results: Arrow tables, summary statistics with intervals, and the results folder."""

from shieldwall.results.store import ResultsExistError, read_folder, write_folder
from shieldwall.results.intervals import (
    CONFIDENCE,
    Estimate,
    amount_interval,
    count_interval,
    difference_interval,
    mean_interval,
    proportion_interval,
    ratio_interval,
    wilson_interval,
)
from shieldwall.results.summary import UNBOUNDED_NOTE, interval_caption, interval_note, summarise
from shieldwall.results.tables import (
    TABLES,
    Labels,
    concatenate,
    outcome_columns,
    to_arrow,
)

__all__ = [
    "CONFIDENCE", "TABLES", "UNBOUNDED_NOTE", "Estimate", "Labels", "ResultsExistError", "amount_interval", "concatenate",
    "count_interval", "difference_interval", "interval_caption", "interval_note", "mean_interval", "outcome_columns", "proportion_interval",
    "ratio_interval", "read_folder", "summarise", "to_arrow", "wilson_interval", "write_folder",
]
