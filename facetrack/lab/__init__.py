"""Lab tools: known warps of a photo and the sensitivity of each metric to them (used by the
demo, the benchmarks and the tests; never by a measurement)."""
