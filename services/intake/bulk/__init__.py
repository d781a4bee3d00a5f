"""Bulk intake: an upload (CSV, JSON Lines, or a source format: AIID, AIAAIC, AVID) read
into rows, each row accepted or rejected on its own.

    rows = read_rows(file, source_format="aiid")          # formats.py, one module a format
    results = import_rows(rows, source_format="aiid", accept_fn=accept)   # importer.py

``python -m services.intake.bulk.survey ../shared/datasets`` runs the three public datasets
through the normalizer and prints what it made of them.
"""

from services.intake.bulk.formats import FORMATS, read_rows
from services.intake.bulk.importer import Accepted, AcceptFn, RowResult, import_rows, summarize
from services.intake.bulk.rows import Row, UploadError

__all__ = [
    "FORMATS",
    "AcceptFn",
    "Accepted",
    "Row",
    "RowResult",
    "UploadError",
    "import_rows",
    "read_rows",
    "summarize",
]
