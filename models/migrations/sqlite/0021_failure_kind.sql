-- Why onboarding failed, as a typed kind (models.FailureKind) that the
-- console words for people; status_reason keeps the raw reason. Empty for
-- domains that failed before this column, and whenever not failed.
ALTER TABLE domains ADD COLUMN failure_kind TEXT NOT NULL DEFAULT '';
