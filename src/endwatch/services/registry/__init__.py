"""The registry area: parties, products, policies, applications, permits, deliveries and re-transfers (one
module of writes each, one transaction per write, audited), the trace, point-in-time queries, the exchange
format's import and export, and what they need from storage (store)."""
