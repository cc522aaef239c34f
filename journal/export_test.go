package journal

// Syncs reports how many fdatasyncs of segment data the journal made.
func (j *Journal) Syncs() int64 { return j.syncs.Load() }

// OpenPerRecordSync opens a journal whose groups hold one record each: one write and
// one fdatasync per record, the baseline group commit is measured against.
func OpenPerRecordSync(cfg Config) (*Journal, error) { return open(cfg, 1) }

// OpenWithWriterHook opens a journal whose writer calls hook each time it has taken a
// group, before writing it.
func OpenWithWriterHook(cfg Config, hook func()) (*Journal, error) {
	j, err := open(cfg, 0)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	j.hookTaken = hook
	j.mu.Unlock()
	return j, nil
}

// QueuedRecords reports how many records wait in groups the writer has not taken.
func (j *Journal) QueuedRecords() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for _, g := range j.queue {
		n += g.n
	}
	return n
}

// CloseAsCrashed closes the journal but leaves its files as a killed
// process would: the segment being written keeps its preallocated tail.
// No Append may run.
func (j *Journal) CloseAsCrashed() error {
	j.directMu.Lock()
	if j.wmap != nil {
		_ = unmapSegment(j.wmap)
		j.wmap = nil
	}
	j.noMap = true // Close leaves the file's size alone
	j.directMu.Unlock()
	return j.Close()
}
