"""A/B comparison of two commits' bench figures on the same machine, interleaved (README)."""
