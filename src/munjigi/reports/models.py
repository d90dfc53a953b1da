"""The audit-log indexes the dashboard aggregates use (migration 0007_reports).

Declared here, beside the queries they serve, so the metadata matches the migrations.
"""

from __future__ import annotations

from sqlalchemy import Index

from munjigi.security.models import AuditEvent

EVENT_AT = Index("ix_audit_events_event_at", AuditEvent.event, AuditEvent.at)
OUTCOME_AT_IP = Index(
    "ix_audit_events_outcome_at_ip", AuditEvent.outcome, AuditEvent.at, AuditEvent.ip
)
OUTCOME_AT_USER = Index(
    "ix_audit_events_outcome_at_user_id", AuditEvent.outcome, AuditEvent.at, AuditEvent.user_id
)
