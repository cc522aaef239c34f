package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// group is the records one write and one fdatasync store. Appenders add frames to
// the newest queued group; the writer takes the oldest.
type group struct {
	buf    []byte
	n      int      // live records in buf
	cancel [][2]int // byte ranges of records withdrawn before the write
	taken  bool     // the writer has it: its records are written regardless
	done   chan struct{}
	err    error // set before done is closed
}

// Append stores rec durably: it returns nil only once rec is written AND fdatasync'd
// (with every record appended concurrently: one write and one fdatasync per group);
// with Config.AckOnWrite, once it is written (by Append itself, one write per record),
// the fdatasync within Config.SyncGap behind.
// Safe for concurrent use. ctx cancelled before the group is written → ctx.Err() and
// the record is not written; after that point it waits for the sync regardless.
// An empty record, or one larger than Config.MaxRecord, is an error and nothing is
// written. After a write or sync failure every Append fails (the journal must be
// reopened). rec is not retained.
func (j *Journal) Append(ctx context.Context, rec []byte) error {
	if len(rec) == 0 {
		return errors.New("journal: empty record")
	}
	if len(rec) > j.maxRecord {
		return fmt.Errorf("journal: record of %d bytes is larger than MaxRecord (%d)", len(rec), j.maxRecord)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var hbuf [maxHeader]byte
	hdr := appendHeader(hbuf[:0], rec)
	size := len(hdr) + len(rec)
	if j.ackOnWrite && j.groupCount == 0 {
		return j.appendDirect(hdr, rec)
	}

	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	if j.werr != nil {
		err := j.werr
		j.mu.Unlock()
		return err
	}
	var g *group
	if k := len(j.queue); k > 0 {
		g = j.queue[k-1]
		if (len(g.buf) > 0 && len(g.buf)+size > j.groupBytes) || (j.groupCount > 0 && g.n >= j.groupCount) {
			g = nil
		}
	}
	if g == nil {
		g = &group{done: make(chan struct{})}
		if j.spare != nil {
			g.buf, j.spare = j.spare[:0], nil
		}
		j.queue = append(j.queue, g)
		j.wcond.Signal()
	}
	start := len(g.buf)
	g.buf = append(g.buf, hdr...)
	g.buf = append(g.buf, rec...)
	g.n++
	j.mu.Unlock()

	select {
	case <-g.done:
		return g.err
	case <-ctx.Done():
	}
	j.mu.Lock()
	if !g.taken {
		g.cancel = append(g.cancel, [2]int{start, start + size})
		g.n--
		j.mu.Unlock()
		return ctx.Err()
	}
	j.mu.Unlock()
	<-g.done
	return g.err
}

// appendDirect writes one record in the caller's goroutine (AckOnWrite):
// the write reaches the page cache in one pwrite, with no hand-off to the
// writer goroutine and back.
func (j *Journal) appendDirect(hdr, rec []byte) error {
	j.directMu.Lock()
	defer j.directMu.Unlock()
	j.mu.Lock()
	closed, werr := j.closed, j.werr
	j.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if werr != nil {
		return werr
	}
	j.directBuf = append(append(j.directBuf[:0], hdr...), rec...)
	return j.writeGroup(j.directBuf, 1)
}

// writeLoop is the writer goroutine: it writes and syncs the queued groups one at a
// time, until the journal is closed and the queue is empty.
func (j *Journal) writeLoop() {
	defer close(j.writerDone)
	for {
		j.mu.Lock()
		for len(j.queue) == 0 && !j.closed {
			j.wcond.Wait()
		}
		if len(j.queue) == 0 {
			j.mu.Unlock()
			return
		}
		g := j.queue[0]
		j.queue[0] = nil
		j.queue = j.queue[1:]
		g.taken = true
		werr := j.werr
		j.mu.Unlock()

		if j.hookTaken != nil {
			j.hookTaken()
		}
		switch {
		case werr != nil:
			g.err = werr
		case g.n > 0:
			g.err = j.writeGroup(g.live(), g.n)
		}
		buf := g.buf
		close(g.done)
		// Recycle the buffer of ordinary groups; an Append may still read g.err but
		// never g.buf once done is closed.
		if cap(buf) <= 2*j.groupBytes {
			j.mu.Lock()
			j.spare = buf[:0]
			j.mu.Unlock()
		}
	}
}

// live returns the group's frames without the withdrawn ones.
func (g *group) live() []byte {
	if len(g.cancel) == 0 {
		return g.buf
	}
	slices.SortFunc(g.cancel, func(a, b [2]int) int { return a[0] - b[0] })
	out := g.buf[:0:0]
	from := 0
	for _, c := range g.cancel {
		out = append(out, g.buf[from:c[0]]...)
		from = c[1]
	}
	return append(out, g.buf[from:]...)
}

// writeGroup writes buf (n records) at the end of the current segment, rotating
// first if the segment is full, fdatasyncs it, and publishes the new durable end.
func (j *Journal) writeGroup(buf []byte, n int) error {
	if j.wsize >= j.segmentSize {
		if err := j.rotate(); err != nil {
			return j.fail(err)
		}
	}
	if j.wmap != nil && j.wsize+int64(len(buf)) <= int64(len(j.wmap)) {
		copy(j.wmap[j.wsize:], buf)
	} else if _, err := j.wf.WriteAt(buf, j.wsize); err != nil {
		return j.fail(err)
	}
	if j.ackOnWrite {
		select {
		case j.syncKick <- struct{}{}:
		default: // a sync is due already
		}
	} else {
		if err := datasync(j.wf); err != nil {
			return j.fail(err)
		}
		j.syncs.Add(1)
	}
	j.wsize += int64(len(buf))
	j.mu.Lock()
	j.durable = Position{Segment: j.wseg, Offset: j.wsize}
	j.durableCount += int64(n)
	j.wake()
	j.mu.Unlock()
	return nil
}

// rotate seals the current segment and starts the next one. The sealed
// segment is cut back to its frames and, with AckOnWrite, synced before
// the next one exists: only the last segment can have a preallocated
// tail after a crash.
func (j *Journal) rotate() error {
	if err := j.unmapCurrent(); err != nil {
		return err
	}
	if j.ackOnWrite {
		j.fileMu.Lock()
		err := datasync(j.wf)
		j.fileMu.Unlock()
		if err != nil {
			return err
		}
		j.syncs.Add(1)
	}
	next := j.wseg + 1
	f, err := os.OpenFile(j.segmentPath(next), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if err := syncDir(j.dir); err != nil {
		f.Close()
		_ = os.Remove(j.segmentPath(next))
		return err
	}
	j.fileMu.Lock()
	old := j.wf
	j.mu.Lock()
	j.sealed[j.wseg] = j.wsize
	j.wseg = next
	j.durable = Position{Segment: next}
	j.mu.Unlock()
	j.wf, j.wsize = f, 0
	j.fileMu.Unlock()
	if err := old.Close(); err != nil {
		j.log.Warn("journal: closing a sealed segment", "error", err)
	}
	j.mapCurrent()
	return nil
}

// fail makes a write failure sticky: the data on disk is now uncertain, so every
// later Append fails; reopening recovers.
func (j *Journal) fail(err error) error {
	werr := fmt.Errorf("journal: writing segment %s: %w", segmentName(j.wseg), err)
	j.mu.Lock()
	if j.werr == nil {
		j.werr = werr
	}
	j.wake()
	j.mu.Unlock()
	j.log.Error("journal: write failed; appends are refused until the journal is reopened", "error", err)
	return werr
}

// syncLoop is the syncer goroutine of an AckOnWrite journal: each kick
// (one or more groups written since the last sync) is one fdatasync of
// the segment being written; after Close's kick channel closes, one last
// sync.
func (j *Journal) syncLoop() {
	defer close(j.syncerDone)
	var last time.Time
	for {
		_, open := <-j.syncKick
		if wait := j.syncGap - time.Since(last); open && wait > 0 {
			// Writes until then share this sync; Close does not wait.
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-j.closing:
				t.Stop()
			}
		}
		last = time.Now()
		j.fileMu.Lock()
		err := datasync(j.wf)
		j.fileMu.Unlock()
		if err != nil {
			_ = j.fail(err)
		} else {
			j.syncs.Add(1)
		}
		if !open {
			return
		}
	}
}
