"""The casefiles area's storage: the case tables (cases, findings filed, actions, notes, evidence, inquiries)
and the one repository of the case aggregate."""
