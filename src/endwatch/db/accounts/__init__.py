"""The accounts area's storage: users, hashed API tokens and web sessions (tables) and their repository."""
