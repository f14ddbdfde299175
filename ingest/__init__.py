"""Seed files in, batches out: CSV, JSON, JSON Lines and Kumu; exports to Kumu, GraphML, GEXF.

    read_batch(paths) -> Batch             raises SeedValidationFailed with every problem
    validate(paths) -> ValidationResult    the batch and the list of problems
    read_rows(path) -> Row | SeedFileError one file, row by row
    to_kumu(G), to_graphml(G, f), to_gexf(G, f), write_csv(G, folder), from_graphml(f)

The seed file formats are described in docs/seed-format.md.
"""

from ingest.csvfile import read_csv, write_csv
from ingest.files import read_rows, seed_files
from ingest.graphml import flat_graph, read_graphml, to_gexf, to_graphml
from ingest.jsonfile import read_json, read_jsonl
from ingest.kumu import to_kumu
from ingest.rows import Row
from ingest.snapshot import batch_from_graph, record_kinds
from ingest.validate import ValidationResult, from_graphml, read_batch, validate

__all__ = [
    "Row",
    "ValidationResult",
    "batch_from_graph",
    "flat_graph",
    "from_graphml",
    "read_batch",
    "read_csv",
    "read_graphml",
    "read_json",
    "read_jsonl",
    "read_rows",
    "record_kinds",
    "seed_files",
    "to_gexf",
    "to_graphml",
    "to_kumu",
    "validate",
    "write_csv",
]
