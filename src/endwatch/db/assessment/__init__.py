"""The assessment area's storage: conflicts, transfers, screening lists and hits, assessments, decisions and
the watch list (tables), and their repository."""
