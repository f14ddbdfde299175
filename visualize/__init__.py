"""Interactive network maps rendered with pyvis."""
