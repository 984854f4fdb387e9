"""Risk assessment: one indicator per module, a registry of them, and the recommendation rules."""
