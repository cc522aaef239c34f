-- Why onboarding failed, as a typed kind (models.FailureKind) that the
-- console words for people, with the kind's one typed detail (for a record
-- conflict, the type of the record in the way); status_reason keeps the
-- raw reason. Empty for domains that failed before these columns, and
-- whenever not failed.
ALTER TABLE domains ADD COLUMN failure_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE domains ADD COLUMN failure_detail TEXT NOT NULL DEFAULT '';
