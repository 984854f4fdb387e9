"""The web application (pages and the REST API under /api/v1) on FastAPI."""
