"""The audit area: recording every write in the hash-chained trail (trail) and verifying it (verify)."""
