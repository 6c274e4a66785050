"""Test and benchmark support of the rankings: a synthetic month of activity, and the figures counted the slow,
obvious way to hold the set-based queries against."""
