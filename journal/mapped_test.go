package journal_test

import (
	"bytes"
	"os"
	"runtime"
	"slices"
	"testing"

	"github.com/linkgate/linkgate/journal"
)

// fileSize returns the size of the file at path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// dataEnd returns the offset after the last non-zero byte of the file
// (records in these tests end in a digit).
func dataEnd(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(bytes.TrimRight(b, "\x00")))
}

// With AckOnWrite on Linux the segment being written is preallocated
// and mapped: sealed segments are cut back to their frames, a crash
// leaves the last one's zero tail, and Open cuts it off with every
// record kept.
func TestAckOnWriteMappedSegments(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("segments are mapped on Linux only")
	}
	const segment = 8 << 10
	j, cfg := setup(t, journal.Config{SegmentSize: segment, AckOnWrite: true})
	all := seq("mapped-record-with-some-length", 0, 600) // about 23 KiB: three segments and a part
	appendAll(t, j, all...)
	segs := segments(t, cfg.Dir)
	if len(segs) < 3 {
		t.Fatalf("%d segments, want at least 3", len(segs))
	}
	for _, s := range segs[:len(segs)-1] {
		if size, end := fileSize(t, s), dataEnd(t, s); size != end || size < segment {
			t.Errorf("sealed %s: %d bytes, data ends at %d; want cut back to its frames, at least %d", s, size, end, segment)
		}
	}
	last := segs[len(segs)-1]
	if size, end := fileSize(t, last), dataEnd(t, last); size <= segment || end >= segment {
		t.Fatalf("open segment: %d bytes with data to %d; want preallocated past %d", size, end, segment)
	}
	if err := j.CloseAsCrashed(); err != nil {
		t.Fatal(err)
	}
	preallocated := fileSize(t, last)

	j2 := reopen(t, cfg)
	if b := j2.Backlog(); b != int64(len(all)) {
		t.Fatalf("Backlog after the crash = %d, want %d", b, len(all))
	}
	got, _ := readN(t, j2, len(all))
	if !slices.Equal(got, all) {
		t.Fatalf("read %d records, not the %d appended in order", len(got), len(all))
	}
	assertNothingMore(t, j2)
	appendAll(t, j2, "after-the-crash-1")
	if got, _ := readN(t, j2, 1); got[0] != "after-the-crash-1" {
		t.Fatalf("read %q", got)
	}
	if err := j2.Close(); err != nil {
		t.Fatal(err)
	}
	if size, end := fileSize(t, last), dataEnd(t, last); size != end || size >= preallocated {
		t.Errorf("closed: %d bytes, data to %d (preallocated %d); want cut back to its frames", size, end, preallocated)
	}
}

// A copy cut short by a crash (the last frame's end still zeros) is a
// torn tail: Open drops that record only.
func TestAckOnWriteTornCopy(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("segments are mapped on Linux only")
	}
	j, cfg := setup(t, journal.Config{AckOnWrite: true})
	all := seq("torn", 0, 20)
	appendAll(t, j, all...)
	if err := j.CloseAsCrashed(); err != nil {
		t.Fatal(err)
	}
	segs := segments(t, cfg.Dir)
	path := segs[len(segs)-1]
	end := dataEnd(t, path)
	if end >= fileSize(t, path) {
		t.Fatalf("the segment was not preallocated: %d bytes, data to %d", fileSize(t, path), end)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 3), end-3); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	j2 := reopen(t, cfg)
	got, _ := readN(t, j2, len(all)-1)
	if !slices.Equal(got, all[:len(all)-1]) {
		t.Fatalf("read %q", got)
	}
	assertNothingMore(t, j2)
}
