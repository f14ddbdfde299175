"""Seed files and imports in, batches out; exports to CSV, Kumu, GraphML and GEXF.

    read_batch(paths) -> Batch             raises SeedValidationFailed with every problem
    validate(paths) -> ValidationResult    the batch and the list of problems
    seed_files(paths), read_rows(path)     the files a load reads; one file, Row | SeedFileError
    to_kumu(G), to_graphml(G, f), to_gexf(G, f), write_csv(G, folder), from_graphml(f)
    batch_from_graph(G), record_kinds(G), flat_graph(G)   a snapshot as records, kinds, flat graph

Seed files are CSV, JSON, JSON Lines, Kumu blueprints, GEXF and the project's GraphML export.
`read_rows` picks each format's own reader (`ingest.csvfile.read_csv`, `ingest.gexf.read_gexf`,
...) by the file's suffix or its first character; Kumu maps and GEXF graphs made by hand are
read by the shared rules of `ingest.elements`. `mapper import` reads CORDIS exports
(`ingest.cordis`) and membership tables with a TOML mapping (`ingest.table`) through
`ingest.importers.import_rows`; they yield the same rows, and `ingest.validate.validate_rows`
checks them as it checks seed files. The formats are described in docs/seed-format.md.
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
