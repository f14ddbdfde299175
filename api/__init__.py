"""The HTTP API: create_app(service)."""
