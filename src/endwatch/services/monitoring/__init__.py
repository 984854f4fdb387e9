"""The monitoring area: end-use monitoring on purpose. The check programme and its plan, checks and their
reconciliation per permit (checks.py and its neighbours), trace requests in and out with their deadlines
(requests.py, deadlines.py), and exchanges with partner authorities by private set intersection
(partners.py). What it needs from storage is in store.py; docs/monitoring.md tells the whole of it."""
