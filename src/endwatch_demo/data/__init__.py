"""The bundled data files: the reference case in the exchange format, and the sample screening list."""
