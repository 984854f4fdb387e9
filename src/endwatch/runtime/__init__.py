"""Machinery behind the services' ports, chosen in bootstrap: worker pools (forkpool)."""
