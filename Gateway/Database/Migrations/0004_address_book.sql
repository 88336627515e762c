-- Routing v2 and the address book (Routing/, AddressBook/).
--
-- routing_rules keeps its columns; its definition document moves to version 2 (Routing/RuleDefinition.cs: "match",
-- condition ops, groups, source networks, a time window, forward/hold/discard actions). Version 1 documents stay as
-- they are and are read as what they meant, so this script does not rewrite them.

-- A person shipments go to, named by rules by id or found by a DICOM name (dicom_names: a JSON array of person
-- names, e.g. ["Novak^Jan"], matched against e.g. the study's ReferringPhysicianName). phone is E.164.
CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    email         TEXT,
    phone         TEXT,
    language      TEXT    CHECK (language IS NULL OR language IN ('cs', 'pl', 'en')),
    organisation  TEXT,
    dicom_names   TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(dicom_names) AND json_type(dicom_names) = 'array'),
    notes         TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE INDEX contacts_name ON contacts (name COLLATE NOCASE);
