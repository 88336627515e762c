-- Routing rules, gateway settings, and what the audit trail needs beyond 0001.

-- A routing rule. Name, order and enabled state are columns (lists sort and filter on them); what the rule tests and
-- what it does is a versioned JSON document (Routing/RuleDefinition.cs): {"version":1,"stopOnMatch":true,
-- "conditions":[{"kind":...}], "actions":[{"kind":"ship",...}]}. New condition or action kinds add to the document;
-- rows written before them stay valid as they are.
CREATE TABLE routing_rules (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    sort_order  INTEGER NOT NULL,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    definition  TEXT    NOT NULL CHECK (json_valid(definition)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX routing_rules_order ON routing_rules (sort_order, id);

-- Small facts about this installation, e.g. 'routing.seeded' once the configured rules were inserted.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- "To whom was this patient's data disclosed" finds the patient's studies first.
CREATE INDEX studies_patient ON studies (patient_ref);
CREATE INDEX audit_study ON audit_events (study_id);

-- The audit trail is append-only, for the application and for anyone with a SQL shell who forgets. A retention
-- purge, when one is decided, is a migration that says so.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
