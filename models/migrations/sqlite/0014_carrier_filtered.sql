-- Carriers filtering a domain (issue 14): how many messages carrying the
-- domain Twilio reported as filtered (30007) or blocked (30110) since it
-- was last cleared; at the threshold the domain becomes blocked.
ALTER TABLE domains ADD COLUMN carrier_filtered bigint NOT NULL DEFAULT 0;
