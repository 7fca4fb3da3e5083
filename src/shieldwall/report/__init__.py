"""After-action report: a self-contained HTML file with its figures, for one viewer's releasability."""

from shieldwall.report._html import OutputExistsError, ReportFiles, brief, write_report
from shieldwall.report.view import (
    WITHHELD,
    ResultsFolderError,
    UnknownViewerError,
    View,
    open_view,
    releasable_partners,
)

__all__ = [
    "WITHHELD", "OutputExistsError", "ReportFiles", "ResultsFolderError", "UnknownViewerError", "View",
    "brief", "open_view", "releasable_partners", "write_report",
]
