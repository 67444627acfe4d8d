"""Benchmarks: scripts that print figures measured on this machine, against a baseline of the same run."""
