"""Benchmarks of the ecosystem mapper (issue 7): `python -m bench`; see bench/README.md."""
