"""Enforcement's tables: decisions taken over a scope of permits, the notification outbox and contacts
(migration 0004_enforcement), and the proposals a second person confirms (migrations 0007_enforcement_proposals,
0012_proposals_any_scope).

`case_id` columns reference `cases.id` (the casefiles area's table). The foreign key is declared in the
migration only, so this module does not need the case tables loaded.
"""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.tables import BigId, metadata

# One row per applied enforcement decision (suspend, reinstate, revoke) over a scope.
enforcement_actions = sa.Table(
    "enforcement_actions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("scope", sa.JSON, nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("decided_at", sa.String(40), nullable=False),
    sa.Column("case_id", sa.String(40), index=True),
    sa.Column("permits", sa.JSON, nullable=False),
    sa.Column("applications", sa.JSON, nullable=False),
)

# E-mail addresses of parties (exporters) that notifications go to.
contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("party_id", sa.String(100), sa.ForeignKey("parties.id"), primary_key=True),
    sa.Column("email", sa.String(300), nullable=False),
)

# Messages to deliver. Written in the same transaction as the decision they announce; delivered later.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(200), nullable=False, unique=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("party_id", sa.String(100), sa.ForeignKey("parties.id")),
    sa.Column("to_address", sa.String(300), nullable=False, server_default=""),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("action_id", BigId, sa.ForeignKey("enforcement_actions.id")),
    sa.Column("case_id", sa.String(40)),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),  # pending | sent
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.String(40), nullable=False),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_until", sa.String(40)),
    sa.Column("last_error", sa.Text),
    sa.Column("sent_at", sa.String(40)),
    sa.Index("ix_outbox_due", "status", "next_attempt_at"),
)

# An enforcement decision as proposed by one person, awaiting (or given) a second person's confirmation:
# a case's decision (case_id set) or one over other scopes, a single permit's included (case_id NULL).
enforcement_proposals = sa.Table(
    "enforcement_proposals",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(40), index=True),
    sa.Column("scope", sa.JSON),  # the decision's scope (services.enforcement.scope.Scope.to_dict)
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("hold_applications", sa.Boolean, nullable=False),
    sa.Column("proposed_by", sa.String(200), nullable=False),
    sa.Column("proposed_at", sa.String(40), nullable=False),
    sa.Column("permits", sa.JSON, nullable=False),
    sa.Column("applications", sa.JSON, nullable=False),
    sa.Column("exporters", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # proposed | confirmed | rejected | withdrawn
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decided_at", sa.String(40)),
    sa.Column("decision_reason", sa.Text),
    sa.Column("enforcement_action_id", BigId,
              sa.ForeignKey("enforcement_actions.id", name="fk_enforcement_proposals_action_id")),
    # At most one open proposal per case, whatever the service layer does.
    sa.Index("uq_enforcement_proposals_open_case", "case_id", unique=True,
             sqlite_where=sa.text("status = 'proposed'"), postgresql_where=sa.text("status = 'proposed'")),
)
