-- Storage commitment as the end of a study (docs/conformance.md, section 4a). A study whose every received instance a
-- requester's storage commitment has confirmed carries the time of that confirmation: the sealer takes it at once
-- instead of waiting for Shipments:StableStudySeconds. A later instance of the same study clears the mark.
ALTER TABLE studies ADD COLUMN committed_at INTEGER;

-- A request being reported on the association that carried it is claimed by the gateway process that accepted it, so
-- the delivery worker does not send the same report on a new association meanwhile. The claim is released when that
-- association ends without delivering; a claim by a process that has since ended is not honoured.
ALTER TABLE storage_commitments ADD COLUMN claimed_by TEXT;
