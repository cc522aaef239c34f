package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcSize is the size of the checksum that follows a frame's length.
const crcSize = 4

// maxHeader is the largest header a frame can have: a uvarint length and a checksum.
const maxHeader = binary.MaxVarintLen64 + crcSize

// scanChunk is how much of a segment scan reads at once, at most.
const scanChunk = 1 << 20

// appendHeader appends the frame header of rec to dst.
func appendHeader(dst, rec []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(rec)))
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(rec, castagnoli))
}

// frameSize is the size on disk of a record of n bytes.
func frameSize(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n)) + crcSize + n
}

type frameStatus int

const (
	frameOK frameStatus = iota
	// frameShort: b ends before the frame does; need is the frame's full size when
	// its header could be read, else 0.
	frameShort
	// frameBad: the frame cannot be valid (zero or impossible length, checksum mismatch).
	frameBad
)

// decodeFrame parses the frame at the start of b.
func decodeFrame(b []byte) (rec []byte, size int64, st frameStatus) {
	l, k := binary.Uvarint(b)
	if k < 0 || l > math.MaxInt32 {
		return nil, 0, frameBad
	}
	if k == 0 {
		if len(b) >= binary.MaxVarintLen64 {
			return nil, 0, frameBad
		}
		return nil, 0, frameShort
	}
	if l == 0 {
		return nil, 0, frameBad
	}
	size = int64(k) + crcSize + int64(l)
	if int64(len(b)) < size {
		return nil, size, frameShort
	}
	sum := binary.LittleEndian.Uint32(b[k:])
	rec = b[k+crcSize : size]
	if crc32.Checksum(rec, castagnoli) != sum {
		return nil, 0, frameBad
	}
	return rec, size, frameOK
}

// frameError reports a frame that is partial (the data ends inside it) or invalid.
type frameError struct {
	Offset  int64
	Partial bool
}

func (e *frameError) Error() string {
	if e.Partial {
		return fmt.Sprintf("partial record at offset %d", e.Offset)
	}
	return fmt.Sprintf("corrupt record at offset %d", e.Offset)
}

// scan reads the frames of f from off up to limit (a frame boundary or the end of
// the data), chunk bytes at a time (more for a larger frame), calling fn with each record and the offset just after it; rec is only
// valid during the call. It stops early when fn returns false. It returns the offset
// after the last frame handed to fn, and a *frameError when it met a frame that is
// invalid or ends after limit.
func scan(f io.ReaderAt, off, limit, chunk int64, fn func(rec []byte, end int64) bool) (int64, error) {
	if off >= limit {
		return off, nil
	}
	buf := make([]byte, min(limit-off, chunk))
	var b []byte // the unparsed bytes, starting at file offset off
	for {
		rec, size, st := decodeFrame(b)
		switch st {
		case frameOK:
			off += size
			b = b[size:]
			if !fn(rec, off) || off >= limit {
				return off, nil
			}
			continue
		case frameBad:
			return off, &frameError{Offset: off}
		}
		have := off + int64(len(b))
		if have >= limit || (size > 0 && off+size > limit) {
			return off, &frameError{Offset: off, Partial: true}
		}
		need := int64(len(b)) + chunk
		if size > need {
			need = size
		}
		need = min(need, limit-off)
		if int64(cap(buf)) < need {
			buf = make([]byte, need)
		}
		buf = buf[:need]
		n := copy(buf, b)
		m, err := f.ReadAt(buf[n:], have)
		if m < len(buf)-n {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return off, err
		}
		b = buf
	}
}

// segmentName is the file name of segment n; names sort like the numbers.
func segmentName(n uint64) string { return fmt.Sprintf("%016x.seg", n) }
