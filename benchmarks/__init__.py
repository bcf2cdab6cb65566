"""Benchmarks behind the notebooks' claims (not timed tests): `python -m benchmarks` or `make bench`."""
