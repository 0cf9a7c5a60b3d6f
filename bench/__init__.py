"""Benchmarks of plugin-admin's hot paths, each against a baseline measured in the same run.

Run ``python -m bench --help``; see bench/README.md for the cases and targets.
"""
