"""Use cases: one function per action, one transaction each; rules and audit applied here for every entry point."""
