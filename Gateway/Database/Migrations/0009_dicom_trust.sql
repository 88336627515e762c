-- Who may call the DICOM listener, and in which transfer syntax (docs/conformance.md, section 2 and 3).

-- The addresses a node may call from: a JSON array of IP addresses, CIDR networks (10.0.0.0/8, fd00::/8) and host
-- names. NULL: the node's host. A node allowed to send whose AE title calls from any other address is refused.
ALTER TABLE nodes ADD COLUMN calling_addresses TEXT;
-- The node's own transfer syntax preference for what it sends: a JSON array of transfer syntax UIDs and "compressed".
-- NULL: the listener's Dicom:PreferredTransferSyntaxes.
ALTER TABLE nodes ADD COLUMN transfer_syntaxes TEXT;
