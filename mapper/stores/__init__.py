"""Graph stores: EmbeddedStore (SQLite file, the default) and Neo4jStore."""
