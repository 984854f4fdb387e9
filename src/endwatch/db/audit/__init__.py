"""The audit area's storage: the hash-chained log (tables) and its repository."""
