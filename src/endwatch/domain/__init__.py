"""Plain dataclasses and pure functions: the registry's rules. Standard library only; time comes in as a parameter."""
