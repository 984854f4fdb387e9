"""The reporting area: read-only views over every area (records, the dashboard, the public transparency
figures, the state version). It owns no storage of its own."""
