"""Plain dataclasses and pure functions: the registry's rules.

Standard library only (and ICU, through PyICU, for the serial key's confusable skeletons); time comes in as a
parameter."""
