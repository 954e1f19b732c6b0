"""annlab's benchmarks: ``python -m benchmarks`` (see docs/benchmarks.md).

Every figure is a ratio of two timings taken side by side in the same run, interleaved and
each the best of several repeats: the machines these run on are shared and noisy, so
absolute times drift while ratios hold.
"""
