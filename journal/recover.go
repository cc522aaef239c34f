package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
)

// recover brings the directory to a consistent state and loads it: it reads the
// checkpoint, removes segments wholly before it, checks every record after it, and
// truncates a torn tail of the last segment. The directory lock is held.
func (j *Journal) recover() error {
	committed, found, err := readCheckpoint(j.dir)
	if err != nil {
		return err
	}
	if err := os.Remove(j.path(checkpointTemp)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("journal: removing a stale checkpoint: %w", err)
	}
	segs, err := j.listSegments()
	if err != nil {
		return err
	}
	if !found && len(segs) > 0 {
		committed = Position{Segment: segs[0]}
	}

	// Segments before the committed one were consumed; a crash after the checkpoint
	// was written can leave them behind.
	removed := false
	for len(segs) > 0 && segs[0] < committed.Segment {
		if err := os.Remove(j.segmentPath(segs[0])); err != nil {
			return fmt.Errorf("journal: removing consumed segment: %w", err)
		}
		segs = segs[1:]
		removed = true
	}
	if len(segs) == 0 {
		if committed.Offset != 0 {
			return fmt.Errorf("journal: the checkpoint points into segment %s, which is missing", j.segmentPath(committed.Segment))
		}
		f, err := os.OpenFile(j.segmentPath(committed.Segment), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
		if err != nil {
			return fmt.Errorf("journal: creating a segment: %w", err)
		}
		f.Close()
		segs = []uint64{committed.Segment}
		removed = true
	}
	if removed {
		if err := syncDir(j.dir); err != nil {
			return fmt.Errorf("journal: syncing %s: %w", j.dir, err)
		}
	}
	if segs[0] != committed.Segment {
		return fmt.Errorf("journal: the checkpoint points into segment %s, which is missing", j.segmentPath(committed.Segment))
	}
	for i := 1; i < len(segs); i++ {
		if segs[i] != segs[i-1]+1 {
			return fmt.Errorf("journal: segment %s is missing", j.segmentPath(segs[i-1]+1))
		}
	}

	var count int64
	for i, n := range segs {
		last := i == len(segs)-1
		end, records, err := j.recoverSegment(n, committed, last)
		if err != nil {
			return err
		}
		count += records
		if !last {
			j.sealed[n] = end
		}
	}
	last := segs[len(segs)-1]
	j.wseg = last
	j.durable = Position{Segment: last, Offset: j.wsize}
	j.durableCount = count
	j.committed = committed
	j.rpos = committed
	j.log.Info("journal opened", "dir", j.dir, "segments", len(segs),
		"committed_segment", committed.Segment, "committed_offset", committed.Offset, "backlog", count)
	return nil
}

// recoverSegment checks the records of segment n after committed and returns its
// end and how many records it holds. The last segment's torn tail is truncated, and
// the segment is opened for writing.
func (j *Journal) recoverSegment(n uint64, committed Position, last bool) (int64, int64, error) {
	path := j.segmentPath(n)
	flag := os.O_RDONLY
	if last {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return 0, 0, fmt.Errorf("journal: opening segment: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("journal: %w", err)
	}
	size := st.Size()
	var start int64
	if n == committed.Segment {
		start = committed.Offset
	}
	if start > size {
		return 0, 0, fmt.Errorf("journal: the checkpoint (offset %d) is past the end of %s (%d bytes)", start, path, size)
	}
	var records int64
	end, err := scan(f, start, size, scanChunk, func([]byte, int64) bool { records++; return true })
	if err != nil {
		var fe *frameError
		if !errors.As(err, &fe) {
			return 0, 0, fmt.Errorf("journal: reading %s: %w", path, err)
		}
		// The last segment may end in zeros, preallocated and never written
		// (mapped.go): the data ends at the last non-zero byte.
		data := size
		if last {
			if data, err = dataEnd(f, fe.Offset, size); err != nil {
				return 0, 0, fmt.Errorf("journal: reading %s: %w", path, err)
			}
		}
		// Only the group in flight at a crash can be torn: it is at the end of the
		// last segment's data and no longer than the largest group.
		if !last || data-fe.Offset > int64(j.groupBytes+frameSize(j.maxRecord)) {
			return 0, 0, fmt.Errorf("journal: %s: %w", path, fe)
		}
		if data > fe.Offset {
			j.log.Warn("journal: truncating a torn tail", "file", path, "offset", fe.Offset,
				"bytes", data-fe.Offset, "reason", fe.Error())
		}
		if err := f.Truncate(end); err != nil {
			return 0, 0, fmt.Errorf("journal: truncating %s: %w", path, err)
		}
		if err := datasync(f); err != nil {
			return 0, 0, fmt.Errorf("journal: %w", err)
		}
	}
	if last {
		keep = true
		j.wf = f
		j.wsize = end
	}
	return end, records, nil
}

// listSegments returns the numbers of the segment files in the directory, sorted.
func (j *Journal) listSegments() ([]uint64, error) {
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, fmt.Errorf("journal: reading %s: %w", j.dir, err)
	}
	var segs []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok || len(name) != 16 || !e.Type().IsRegular() {
			continue
		}
		n, err := strconv.ParseUint(name, 16, 64)
		if err != nil {
			continue
		}
		segs = append(segs, n)
	}
	slices.Sort(segs)
	return segs, nil
}
