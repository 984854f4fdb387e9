"""The accounts area: users, API tokens and web sessions (users), and what they need from storage (store)."""
