"""Results: Arrow tables, summary statistics with intervals, and the results folder."""

from shieldwall.results.store import (
    ResultsExistError,
    complete_ranges,
    finish_folder,
    prepare_folder,
    read_folder,
    read_manifest,
    read_table,
    write_folder,
    write_manifest,
    write_part,
)
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
from shieldwall.results.summary import UNBOUNDED_NOTE, interval_caption, interval_note, summarise, summarise_folder
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
    "complete_ranges", "finish_folder", "prepare_folder", "read_manifest", "read_table", "summarise_folder",
    "write_manifest", "write_part",
]
