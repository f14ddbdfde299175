"""Seed files in, batches out: CSV, JSON, JSON Lines and Kumu; exports to Kumu, GraphML, GEXF.

    read_batch(paths) -> Batch             raises SeedValidationFailed with every problem
    validate(paths) -> ValidationResult    the batch and the list of problems
    seed_files(paths), read_rows(path)     the files a load reads; one file, Row | SeedFileError
    to_kumu(G), to_graphml(G, f), to_gexf(G, f), write_csv(G, folder), from_graphml(f)
    batch_from_graph(G), record_kinds(G), flat_graph(G)   a snapshot as records, kinds, flat graph

Each format's own reader (`ingest.csvfile.read_csv`, ...) is reached through `read_rows`. The
seed file formats are described in docs/seed-format.md.
"""

from ingest.csvfile import write_csv
from ingest.files import read_rows, seed_files
from ingest.graphml import flat_graph, to_gexf, to_graphml
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
    "read_rows",
    "record_kinds",
    "seed_files",
    "to_gexf",
    "to_graphml",
    "to_kumu",
    "validate",
    "write_csv",
]
