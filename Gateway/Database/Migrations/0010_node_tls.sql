-- How a node proves itself over TLS, how it is called, and what its storage commitment means (docs/conformance.md, section 4).

-- Forwarding and the C-ECHO test call the node over DICOM TLS (PS3.15 Annex B). 0: plain DICOM, unless the node's AE
-- title is in the deprecated setting Nodes:Tls:AeTitles.
ALTER TABLE nodes ADD COLUMN tls INTEGER NOT NULL DEFAULT 0;
-- The certificate the node must present when it calls over TLS: a SHA-256 thumbprint (64 upper-case hex digits), or a
-- subject and an issuer distinguished name. All NULL: no requirement. With one, the node is refused over plain DICOM.
ALTER TABLE nodes ADD COLUMN certificate_thumbprint TEXT;
ALTER TABLE nodes ADD COLUMN certificate_subject TEXT;
ALTER TABLE nodes ADD COLUMN certificate_issuer TEXT;
-- A storage commitment request from the node that covers a whole study seals the study at once.
ALTER TABLE nodes ADD COLUMN seal_on_commitment INTEGER NOT NULL DEFAULT 1;
