"""Demonstration data for endwatch, kept outside the core package: the bundled reference case and its replay,
the demo accounts, sample lists, and the synthetic worlds benchmarks and scale tests generate."""
