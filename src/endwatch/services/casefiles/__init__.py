"""The casefiles area: cases (one aggregate: findings, recommended actions, notes, evidence, inquiries), their
timeline and oversight packs, and what they need from storage (store)."""
