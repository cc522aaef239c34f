package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Read blocks until at least one durable record after the read cursor exists (or ctx
// is done), then returns up to max of them in append order and the position just
// after the last one. The cursor advances (in memory) past them; Open starts the
// cursor at the last committed position. One reader at a time: concurrent calls
// wait for each other. The records are fresh copies the caller may keep.
//
// After Close, Read returns what is still durable and unread, then ErrClosed. After
// a write failure it returns what is durable, then that failure.
func (j *Journal) Read(ctx context.Context, max int) ([][]byte, Position, error) {
	if max <= 0 {
		return nil, Position{}, fmt.Errorf("journal: Read max %d must be positive", max)
	}
	j.readMu.Lock()
	defer j.readMu.Unlock()

	var cur Position
	var limit int64
	for {
		j.mu.Lock()
		cur = j.normalize(j.rpos)
		limit = j.durable.Offset
		if cur.Segment != j.durable.Segment {
			limit = j.sealed[cur.Segment]
		}
		if cur.Offset < limit {
			j.mu.Unlock()
			break
		}
		shut, werr, ch := j.shut, j.werr, j.notifyChan()
		j.mu.Unlock()
		if shut {
			j.closeReader()
			return nil, Position{}, ErrClosed
		}
		if werr != nil {
			return nil, Position{}, werr
		}
		select {
		case <-ctx.Done():
			return nil, Position{}, ctx.Err()
		case <-ch:
		}
	}

	if j.rf == nil || j.rfSeg != cur.Segment {
		j.closeReader()
		f, err := os.Open(j.segmentPath(cur.Segment))
		if err != nil {
			return nil, Position{}, fmt.Errorf("journal: opening segment: %w", err)
		}
		j.rf, j.rfSeg = f, cur.Segment
	}
	// Read about what max records need, not a whole chunk, for small batches.
	chunk := int64(scanChunk)
	if max < scanChunk/256 {
		chunk = int64(max)*256 + 4096
	}
	var recs [][]byte
	var arena []byte // the records' copies, allocated a chunk at a time
	end, err := scan(j.rf, cur.Offset, limit, chunk, func(rec []byte, end int64) bool {
		if len(arena)+len(rec) > cap(arena) {
			arena = make([]byte, 0, len(rec)+int(min(limit-end, chunk)))
		}
		arena = append(arena, rec...)
		recs = append(recs, arena[len(arena)-len(rec):len(arena):len(arena)])
		return len(recs) < max
	})
	if err != nil && len(recs) == 0 {
		// Durable data that does not parse: the file was damaged after it was written.
		return nil, Position{}, fmt.Errorf("journal: reading %s: %w", j.rf.Name(), err)
	}
	pos := Position{Segment: cur.Segment, Offset: end}
	j.mu.Lock()
	j.rpos = pos
	j.rcount += int64(len(recs))
	if len(j.marks) >= maxMarks {
		j.marks = append(j.marks[:0], j.marks[maxMarks/2:]...)
	}
	j.marks = append(j.marks, mark{pos: pos, count: j.rcount})
	shut := j.shut
	j.mu.Unlock()
	if shut {
		// Close could not close the file while this Read ran.
		j.closeReader()
	}
	return recs, pos, nil
}

// closeReader closes the reader's segment file. j.readMu must be held.
func (j *Journal) closeReader() {
	if j.rf != nil {
		_ = j.rf.Close()
		j.rf = nil
	}
}

// normalize moves p from the end of a sealed segment to the start of the next one,
// so that equal places compare equal. j.mu must be held.
func (j *Journal) normalize(p Position) Position {
	for {
		size, ok := j.sealed[p.Segment]
		if !ok || p.Offset < size {
			return p
		}
		p = Position{Segment: p.Segment + 1}
	}
}

// Commit records that everything before pos is consumed: the checkpoint file is
// written atomically (temp + fsync + rename + dir fsync) before it returns, and the
// segments wholly before pos are deleted. Committing a position at or before the
// last commit is a no-op. pos must be a Position Read returned (or any record
// boundary up to the read cursor); a position past the read cursor is an error.
func (j *Journal) Commit(pos Position) error {
	j.commitMu.Lock()
	defer j.commitMu.Unlock()

	j.mu.Lock()
	if j.shut {
		j.mu.Unlock()
		return ErrClosed
	}
	if err := j.check(pos); err != nil {
		j.mu.Unlock()
		return err
	}
	p := j.normalize(pos)
	old, oldCount := j.committed, j.commitCount
	if !old.before(p) {
		j.mu.Unlock()
		return nil
	}
	if j.normalize(j.rpos).before(p) {
		j.mu.Unlock()
		return fmt.Errorf("journal: commit position %d:%d is past the read cursor", pos.Segment, pos.Offset)
	}
	count := int64(-1)
	for i := len(j.marks) - 1; i >= 0; i-- {
		if j.normalize(j.marks[i].pos) == p {
			count = j.marks[i].count
			break
		}
	}
	sealed := make(map[uint64]int64, p.Segment-old.Segment)
	for s := old.Segment; s < p.Segment; s++ {
		sealed[s] = j.sealed[s]
	}
	j.mu.Unlock()

	if count < 0 {
		// Not a position Read returned lately: count the records on disk, which also
		// checks that p is a record boundary.
		n, err := j.countRecords(old, p, sealed)
		if err != nil {
			return err
		}
		count = oldCount + n
	}
	if err := writeCheckpoint(j.dir, p); err != nil {
		return err
	}

	j.mu.Lock()
	j.committed = p
	j.commitCount = count
	k := 0
	for k < len(j.marks) && !p.before(j.normalize(j.marks[k].pos)) {
		k++
	}
	j.marks = append(j.marks[:0], j.marks[k:]...)
	// The cursor may sit at the end of a segment about to be forgotten.
	j.rpos = j.normalize(j.rpos)
	for s := old.Segment; s < p.Segment; s++ {
		delete(j.sealed, s)
	}
	j.mu.Unlock()

	var errs []error
	for s := old.Segment; s < p.Segment; s++ {
		if err := os.Remove(j.segmentPath(s)); err != nil {
			errs = append(errs, err)
		}
	}
	if p.Segment > old.Segment {
		if err := syncDir(j.dir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		// The checkpoint is durable; Open removes leftover segments.
		return fmt.Errorf("journal: removing consumed segments: %w", err)
	}
	return nil
}

// check refuses a Position that cannot be in the journal: a negative offset, an
// offset past the end of a sealed segment or of the durable data, a segment that
// does not exist yet. Positions before the committed one pass (Commit ignores them).
// j.mu must be held.
func (j *Journal) check(p Position) error {
	bad := p.Offset < 0 || p.Segment > j.durable.Segment ||
		(p.Segment == j.durable.Segment && p.Offset > j.durable.Offset)
	if size, ok := j.sealed[p.Segment]; ok && p.Offset > size {
		bad = true
	}
	if bad {
		return fmt.Errorf("journal: position %d:%d is not in the journal", p.Segment, p.Offset)
	}
	return nil
}

// countRecords counts the records from a to b (both normalized record boundaries,
// a before b); sealed holds the sizes of the segments from a's up to b's.
func (j *Journal) countRecords(a, b Position, sealed map[uint64]int64) (int64, error) {
	var n int64
	for s := a.Segment; s <= b.Segment; s++ {
		var start int64
		if s == a.Segment {
			start = a.Offset
		}
		limit := b.Offset
		if s < b.Segment {
			limit = sealed[s]
		}
		f, err := os.Open(j.segmentPath(s))
		if err != nil {
			return 0, fmt.Errorf("journal: counting records: %w", err)
		}
		_, err = scan(f, start, limit, scanChunk, func([]byte, int64) bool { n++; return true })
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("journal: commit position %d:%d is not a record boundary: %s: %w",
				b.Segment, b.Offset, segmentName(s), err)
		}
	}
	return n, nil
}
