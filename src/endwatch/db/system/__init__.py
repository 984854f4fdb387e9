"""The system area's storage: settings of the installation itself (tables) and their repository."""
