package journal

// Syncs reports how many fdatasyncs of segment data the journal made.
func (j *Journal) Syncs() int64 { return j.syncs.Load() }

// OpenPerRecordSync opens a journal whose groups hold one record each: one write and
// one fdatasync per record, the baseline group commit is measured against.
func OpenPerRecordSync(cfg Config) (*Journal, error) { return open(cfg, 1) }
