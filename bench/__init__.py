"""Benchmarks for the province scale (run as scripts, see README.md; not collected by pytest)."""
