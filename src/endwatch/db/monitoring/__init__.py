"""The monitoring area's storage: one module per aggregate, each holding its tables and its repository
(checks.py, requests.py, partners.py)."""
