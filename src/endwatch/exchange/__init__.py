"""The CSV exchange format: one file per kind of record, UTF-8, header row, ISO dates, `|` between values."""
