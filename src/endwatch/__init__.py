"""endwatch: export-control registry and end-use monitoring for military goods."""

__version__ = "0.1.0"
