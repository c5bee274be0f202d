"""`make bench`: speed, scale, load and faults, measured as ratios or counts (see README)."""
