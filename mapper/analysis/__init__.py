"""Cross-sector analysis: pure functions over a store snapshot."""
