"""Seed files in, batches out: CSV, JSON, JSON Lines and Kumu; exports to Kumu, GraphML, GEXF."""
