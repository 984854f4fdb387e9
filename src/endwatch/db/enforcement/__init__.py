"""The enforcement area's storage: enforcement actions, contacts, the outbox and proposals (tables), and their
repositories."""
