"""The enforcement area: decisions over a scope of permits (scope, decisions), their two signatures
(proposals), delivering the notification outbox (notify), and what they need from storage (store)."""
