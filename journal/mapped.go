package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// errMapUnsupported: the segment cannot be preallocated and mapped here.
var errMapUnsupported = errors.New("journal: the file system cannot preallocate segments")

// With AckOnWrite, the segment being written is preallocated and mapped
// (on Linux, where the file system can preallocate): an Append copies its
// frame into the page cache through the mapping, with no syscall, and
// the syncer's fdatasync writes it back as it does a pwrite's. Like a
// pwrite, the copy survives the process being killed. The file is cut
// back to its frames when the segment is sealed or the journal closed;
// a crash leaves the last segment's zero tail, which Open cuts off
// (recoverSegment).

// mapLength is how much of a segment is preallocated and mapped: any
// frame appended below SegmentSize fits.
func (j *Journal) mapLength() int64 {
	n := j.segmentSize + int64(frameSize(j.maxRecord))
	page := int64(os.Getpagesize())
	return (n + page - 1) / page * page
}

// mapCurrent maps the segment being written, if the journal acknowledges
// on write and the segment has room. Where it cannot, the journal writes
// with pwrite (a file system without preallocation: from then on; any
// other failure, such as a full disk: for this segment).
func (j *Journal) mapCurrent() {
	if !j.ackOnWrite || j.noMap || j.wsize >= j.segmentSize {
		return
	}
	m, err := mapSegment(j.wf, j.mapLength())
	switch {
	case errors.Is(err, errMapUnsupported):
		j.noMap = true
		j.log.Info("journal: segments are written with pwrite", "reason", err.Error())
	case err != nil:
		j.log.Warn("journal: this segment is written with pwrite", "segment", segmentName(j.wseg), "error", err.Error())
	default:
		j.wmap = m
	}
}

// unmapCurrent releases the current segment's mapping and cuts the file
// back to its frames (a failed preallocation may have grown it too).
func (j *Journal) unmapCurrent() error {
	if !j.ackOnWrite || j.noMap {
		return nil
	}
	var err error
	if j.wmap != nil {
		err = unmapSegment(j.wmap)
		j.wmap = nil
	}
	if terr := j.wf.Truncate(j.wsize); err == nil && terr != nil {
		err = fmt.Errorf("journal: cutting %s back to its records: %w", segmentName(j.wseg), terr)
	}
	return err
}

// dataEnd returns the offset just after the last non-zero byte of f in
// [from, size): from when they are all zeros (a preallocated tail).
func dataEnd(f io.ReaderAt, from, size int64) (int64, error) {
	buf := make([]byte, min(size-from, scanChunk))
	for end := size; end > from; {
		n := min(end-from, int64(len(buf)))
		b := buf[:n]
		if _, err := f.ReadAt(b, end-n); err != nil {
			return 0, err
		}
		for i := len(b) - 1; i >= 0; i-- {
			if b[i] != 0 {
				return end - n + int64(i) + 1, nil
			}
		}
		end -= n
	}
	return from, nil
}
