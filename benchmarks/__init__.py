"""Measured figures (never asserted in tests); `python -m benchmarks.run` writes results/."""
