"""A tiny shop whose functions are captured (test application of the snapy command)."""
