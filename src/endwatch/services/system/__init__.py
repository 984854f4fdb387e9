"""The system area: facts about the installation itself (whether the database is a demonstration)."""
