"""The registry's storage: its tables, the repositories of parties, products, policies, applications and
permits, the delivered items' repository, and the trace's reads."""
