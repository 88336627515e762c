-- Export of the audit trail to the hospital's audit record repository (docs/audit.md): the id of the last
-- audit_events row sent. One row; absent until the export is first enabled, when it starts at the trail's end.
CREATE TABLE audit_export (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL   -- ms since the epoch
);
