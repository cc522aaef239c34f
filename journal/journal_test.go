package journal_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkgate/linkgate/journal"
)

// setup opens a journal in a fresh directory and closes it at the end of the test.
func setup(t testing.TB, cfg journal.Config) (*journal.Journal, journal.Config) {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = filepath.Join(t.TempDir(), "journal")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	j, err := journal.Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j, cfg
}

func reopen(t *testing.T, cfg journal.Config) *journal.Journal {
	t.Helper()
	j, err := journal.Open(cfg)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

func appendAll(t *testing.T, j *journal.Journal, recs ...string) {
	t.Helper()
	for _, r := range recs {
		if err := j.Append(t.Context(), []byte(r)); err != nil {
			t.Fatalf("Append(%q): %v", r, err)
		}
	}
}

// readN reads exactly n records (failing after 10 s) and returns them with the
// position after the last.
func readN(t *testing.T, j *journal.Journal, n int) ([]string, journal.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out []string
	var pos journal.Position
	for len(out) < n {
		recs, p, err := j.Read(ctx, n-len(out))
		if err != nil {
			t.Fatalf("Read after %d of %d records: %v", len(out), n, err)
		}
		for _, r := range recs {
			out = append(out, string(r))
		}
		pos = p
	}
	return out, pos
}

// assertNothingMore checks that no record is readable now.
func assertNothingMore(t *testing.T, j *journal.Journal) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	recs, _, err := j.Read(ctx, 10)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read = %q, %v; want nothing and context.DeadlineExceeded", recs, err)
	}
}

func seq(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%04d", prefix, i))
	}
	return out
}

func segments(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

func TestOpenValidatesConfig(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	for name, cfg := range map[string]journal.Config{
		"no dir":           {Logger: log},
		"no logger":        {Dir: t.TempDir()},
		"negative segment": {Dir: t.TempDir(), Logger: log, SegmentSize: -1},
		"negative record":  {Dir: t.TempDir(), Logger: log, MaxRecord: -1},
	} {
		if j, err := journal.Open(cfg); err == nil {
			j.Close()
			t.Errorf("%s: Open succeeded", name)
		}
	}
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	t.Parallel()
	j, cfg := setup(t, journal.Config{})
	appendAll(t, j, "a")
	_, pos := readN(t, j, 1)
	if err := j.Commit(pos); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(cfg.Dir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
}

func TestConcurrentAppendsGroupCommit(t *testing.T) {
	t.Parallel()
	j, _ := setup(t, journal.Config{})
	const writers, each = 64, 500
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := j.Append(t.Context(), fmt.Appendf(nil, "%02d:%04d:%s", w, i, strings.Repeat("x", w))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// A single reader consumes while the writers append.
	next := make([]int, writers)
	var last journal.Position
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for got := 0; got < writers*each; {
		recs, pos, err := j.Read(ctx, 1000)
		if err != nil {
			t.Fatalf("Read after %d records: %v", got, err)
		}
		for _, r := range recs {
			var w, i int
			var pad string
			if _, err := fmt.Sscanf(string(r), "%d:%d:%s", &w, &i, &pad); err != nil && w != 0 {
				t.Fatalf("record %q: %v", r, err)
			}
			if i != next[w] {
				t.Fatalf("writer %d: record %d, want %d (lost, repeated or reordered)", w, i, next[w])
			}
			next[w]++
		}
		got += len(recs)
		last = pos
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	assertNothingMore(t, j)

	syncs := j.Syncs()
	t.Logf("%d records, %d fdatasyncs (%.1f records per sync)", writers*each, syncs, float64(writers*each)/float64(syncs))
	if syncs == 0 || syncs > writers*each/4 {
		t.Errorf("%d fdatasyncs for %d records: no group commit", syncs, writers*each)
	}
	if b := j.Backlog(); b != writers*each {
		t.Errorf("Backlog = %d before commit, want %d", b, writers*each)
	}
	if err := j.Commit(last); err != nil {
		t.Fatal(err)
	}
	if b := j.Backlog(); b != 0 {
		t.Errorf("Backlog = %d after committing everything, want 0", b)
	}
}

func TestRestartResumesAtCommit(t *testing.T) {
	t.Parallel()
	j, cfg := setup(t, journal.Config{})
	all := seq("r", 0, 100)
	appendAll(t, j, all...)
	if b := j.Backlog(); b != 100 {
		t.Fatalf("Backlog = %d, want 100", b)
	}
	got, mid := readN(t, j, 40)
	if !slices.Equal(got, all[:40]) {
		t.Fatalf("first 40 = %q", got)
	}
	if err := j.Commit(mid); err != nil {
		t.Fatal(err)
	}
	if b := j.Backlog(); b != 60 {
		t.Errorf("Backlog after commit = %d, want 60", b)
	}
	readN(t, j, 20) // read, not committed: delivered again after the restart
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	j2 := reopen(t, cfg)
	if b := j2.Backlog(); b != 60 {
		t.Errorf("Backlog after reopen = %d, want 60", b)
	}
	got, end := readN(t, j2, 60)
	if !slices.Equal(got, all[40:]) {
		t.Fatalf("after restart read %q, want records 40..99", got)
	}
	assertNothingMore(t, j2)

	// Commit rules: an older position is a no-op; past the cursor is refused.
	if err := j2.Commit(mid); err != nil {
		t.Errorf("Commit(older) = %v, want nil", err)
	}
	if b := j2.Backlog(); b != 60 {
		t.Errorf("Backlog after an older commit = %d, want 60", b)
	}
	if err := j2.Commit(journal.Position{Segment: end.Segment, Offset: end.Offset + 1}); err == nil {
		t.Error("Commit past the read cursor succeeded")
	}
	for _, bad := range []journal.Position{
		{Segment: mid.Segment, Offset: mid.Offset + 1},
		{Segment: end.Segment, Offset: -1},
		{Segment: end.Segment + 1, Offset: 0},
	} {
		if err := j2.Commit(bad); err == nil {
			t.Errorf("Commit(%+v), not a record boundary, succeeded", bad)
		}
	}
	if err := j2.Commit(end); err != nil {
		t.Fatal(err)
	}
	if b := j2.Backlog(); b != 0 {
		t.Errorf("Backlog = %d after committing everything, want 0", b)
	}
	appendAll(t, j2, "after")
	if got, _ := readN(t, j2, 1); got[0] != "after" {
		t.Errorf("read %q, want after", got)
	}
}

func TestCommitArbitraryBoundaryCountsOnDisk(t *testing.T) {
	t.Parallel()
	j, cfg := setup(t, journal.Config{SegmentSize: 64})
	all := seq("b", 0, 30)
	appendAll(t, j, all...)
	// Remember the position after record 17 and commit it after a restart, when
	// Commit has no remembered Read to count with and counts on disk, across
	// segments.
	var at journal.Position
	for i := range 30 {
		_, p := readN(t, j, 1)
		if i == 17 {
			at = p
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j2 := reopen(t, cfg)
	readN(t, j2, 30)
	if err := j2.Commit(at); err != nil {
		t.Fatal(err)
	}
	if b := j2.Backlog(); b != 12 {
		t.Errorf("Backlog = %d, want 12", b)
	}
}

func TestCommitAfterManyReadsCountsOnDisk(t *testing.T) {
	t.Parallel()
	j, _ := setup(t, journal.Config{SegmentSize: 4096})
	const n = 5000 // more Reads than Commit remembers
	var wg sync.WaitGroup
	for w := range 50 {
		wg.Go(func() {
			for i := range n / 50 {
				if err := j.Append(t.Context(), fmt.Appendf(nil, "m-%d-%d", w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var at, end journal.Position
	seen := map[string]bool{}
	for i := range n {
		got, p := readN(t, j, 1)
		if seen[got[0]] {
			t.Fatalf("record %q read twice", got[0])
		}
		seen[got[0]] = true
		if i == 9 {
			at = p
		}
		end = p
	}
	if err := j.Commit(at); err != nil {
		t.Fatal(err)
	}
	if b := j.Backlog(); b != n-10 {
		t.Errorf("Backlog = %d, want %d", b, n-10)
	}
	if err := j.Commit(end); err != nil {
		t.Fatal(err)
	}
	if b := j.Backlog(); b != 0 {
		t.Errorf("Backlog = %d, want 0", b)
	}
}

func TestTornTail(t *testing.T) {
	t.Parallel()
	for name, damage := range map[string]func(t *testing.T, path string){
		"garbage appended": func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write([]byte{0x20, 0xde, 0xad, 0xbe, 0xef, 'g', 'a', 'r'}); err != nil {
				t.Fatal(err)
			}
		},
		"last frame cut in half": func(t *testing.T, path string) {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, st.Size()-8); err != nil {
				t.Fatal(err)
			}
		},
		"zeros appended": func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write(make([]byte, 4096)); err != nil {
				t.Fatal(err)
			}
		},
		"last frame's checksum wrong": func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-1] ^= 0xff
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			j, cfg := setup(t, journal.Config{})
			all := seq("t", 0, 10)
			appendAll(t, j, all...)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			segs := segments(t, cfg.Dir)
			damage(t, segs[len(segs)-1])

			want := all
			if strings.Contains(name, "last frame") {
				want = all[:9]
			}
			j2 := reopen(t, cfg)
			if b := j2.Backlog(); b != int64(len(want)) {
				t.Errorf("Backlog = %d, want %d", b, len(want))
			}
			got, _ := readN(t, j2, len(want))
			if !slices.Equal(got, want) {
				t.Fatalf("read %q, want %q", got, want)
			}
			assertNothingMore(t, j2)
			appendAll(t, j2, "new")
			if got, _ := readN(t, j2, 1); got[0] != "new" {
				t.Fatalf("read %q, want new", got)
			}
			if err := j2.Close(); err != nil {
				t.Fatal(err)
			}
			j3 := reopen(t, cfg)
			got, _ = readN(t, j3, len(want)+1)
			if !slices.Equal(got, append(slices.Clone(want), "new")) {
				t.Fatalf("after a second reopen read %q", got)
			}
		})
	}
}

func TestCorruptionInsideAnEarlierSegmentIsAnError(t *testing.T) {
	t.Parallel()
	j, cfg := setup(t, journal.Config{SegmentSize: 200})
	appendAll(t, j, seq("c", 0, 60)...)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segments(t, cfg.Dir)
	if len(segs) < 3 {
		t.Fatalf("%d segments, want at least 3", len(segs))
	}
	victim := segs[1]
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x55
	if err := os.WriteFile(victim, b, 0o600); err != nil {
		t.Fatal(err)
	}
	j2, err := journal.Open(cfg)
	if err == nil {
		j2.Close()
		t.Fatal("Open succeeded over a corrupt segment")
	}
	if !strings.Contains(err.Error(), filepath.Base(victim)) || !strings.Contains(err.Error(), "offset") {
		t.Errorf("error %q does not name %s and the offset", err, filepath.Base(victim))
	}
	// The lock was released: fixing nothing, a second attempt fails the same way
	// rather than with ErrLocked.
	if _, err := journal.Open(cfg); err == nil || errors.Is(err, journal.ErrLocked) {
		t.Errorf("second Open = %v", err)
	}
}

func TestRotationAndCommitDeletesSegments(t *testing.T) {
	t.Parallel()
	j, cfg := setup(t, journal.Config{SegmentSize: 1024})
	rec := strings.Repeat("r", 100)
	all := make([]string, 300)
	for i := range all {
		all[i] = fmt.Sprintf("%04d%s", i, rec)
	}
	appendAll(t, j, all...)
	if n := len(segments(t, cfg.Dir)); n < 10 {
		t.Fatalf("%d segments after %d bytes with SegmentSize 1024", n, 300*110)
	}
	got, mid := readN(t, j, 150)
	if !slices.Equal(got, all[:150]) {
		t.Fatal("first half read back wrong")
	}
	before := len(segments(t, cfg.Dir))
	if err := j.Commit(mid); err != nil {
		t.Fatal(err)
	}
	after := segments(t, cfg.Dir)
	if len(after) >= before-5 {
		t.Errorf("%d segments before committing half, %d after", before, len(after))
	}
	got, end := readN(t, j, 150)
	if !slices.Equal(got, all[150:]) {
		t.Fatal("second half read back wrong")
	}
	if err := j.Commit(end); err != nil {
		t.Fatal(err)
	}
	if n := len(segments(t, cfg.Dir)); n > 2 {
		t.Errorf("%d segments left after committing everything", n)
	}
	if b := j.Backlog(); b != 0 {
		t.Errorf("Backlog = %d", b)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j2 := reopen(t, cfg)
	if b := j2.Backlog(); b != 0 {
		t.Errorf("Backlog after reopen = %d", b)
	}
	appendAll(t, j2, "z")
	if got, _ := readN(t, j2, 1); got[0] != "z" {
		t.Errorf("read %q", got)
	}
}

func TestLockedDirectory(t *testing.T) {
	t.Parallel()
	j, cfg := setup(t, journal.Config{})
	j2, err := journal.Open(cfg)
	if err == nil {
		j2.Close()
		t.Fatal("a second Open of the same directory succeeded")
	}
	if !errors.Is(err, journal.ErrLocked) || !strings.Contains(err.Error(), cfg.Dir) {
		t.Fatalf("second Open = %v, want ErrLocked naming the directory", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	reopen(t, cfg)
}

func TestAppendRefusesBadRecordsAndCancelled(t *testing.T) {
	t.Parallel()
	j, _ := setup(t, journal.Config{MaxRecord: 100})
	if err := j.Append(t.Context(), nil); err == nil {
		t.Error("empty record accepted")
	}
	if err := j.Append(t.Context(), make([]byte, 101)); err == nil || !strings.Contains(err.Error(), "MaxRecord") {
		t.Errorf("oversized record: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := j.Append(ctx, []byte("cancelled")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Append = %v", err)
	}
	appendAll(t, j, "ok")
	got, _ := readN(t, j, 1)
	if got[0] != "ok" || j.Backlog() != 1 {
		t.Errorf("read %q, Backlog %d: a refused record was written", got, j.Backlog())
	}
	assertNothingMore(t, j)
}

// TestAppendCancelled: cancelled while its group waits, an Append returns ctx.Err()
// and its record is never written; cancelled once the writer has its group, it
// waits for the sync and succeeds.
func TestAppendCancelled(t *testing.T) {
	t.Parallel()
	taken := make(chan struct{})
	release := make(chan struct{})
	stop := make(chan struct{})
	hook := func() { // the writer has taken a group: tell the test, wait for it
		select {
		case taken <- struct{}{}:
		case <-stop:
			return
		}
		select {
		case <-release:
		case <-stop:
		}
	}
	j, err := journal.OpenWithWriterHook(journal.Config{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}, hook)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(stop)
		_ = j.Close()
	})
	took := func(what string) {
		t.Helper()
		select {
		case <-taken:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the writer did not take it in 10 s", what)
		}
	}
	step := func(ch chan struct{}, what string) {
		t.Helper()
		select {
		case ch <- struct{}{}:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the writer did not come in 10 s", what)
		}
	}
	recv := func(what string, ch <-chan error) error {
		t.Helper()
		select {
		case err := <-ch:
			return err
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no answer in 10 s", what)
			return nil
		}
	}
	appendAsync := func(ctx context.Context, rec string) <-chan error {
		ch := make(chan error, 1)
		go func() { ch <- j.Append(ctx, []byte(rec)) }()
		return ch
	}
	waitQueued := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); j.QueuedRecords() != n; {
			if time.Now().After(deadline) {
				t.Fatalf("%d records queued, want %d", j.QueuedRecords(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// The writer holds group 1 ("taken"); "withdrawn" and "kept" wait in group 2.
	ctxTaken, cancelTaken := context.WithCancel(t.Context())
	first := appendAsync(ctxTaken, "taken")
	took("group 1")
	ctxQueued, cancelQueued := context.WithCancel(t.Context())
	withdrawn := appendAsync(ctxQueued, "withdrawn")
	kept := appendAsync(t.Context(), "kept")
	waitQueued(2)

	cancelQueued()
	if err := recv("queued Append", withdrawn); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append cancelled while queued = %v, want context.Canceled", err)
	}
	waitQueued(1)
	cancelTaken()
	select {
	case err := <-first:
		t.Fatalf("Append whose group the writer holds returned %v before its sync", err)
	default:
	}
	step(release, "group 1")
	if err := recv("taken Append", first); err != nil {
		t.Fatalf("Append cancelled after its group was taken = %v, want nil", err)
	}
	took("group 2") // "kept" only
	step(release, "group 2")
	if err := recv("kept Append", kept); err != nil {
		t.Fatal(err)
	}
	got, _ := readN(t, j, 2)
	if !slices.Equal(got, []string{"taken", "kept"}) {
		t.Fatalf("read %q, want [taken kept]", got)
	}
	assertNothingMore(t, j)
	if b := j.Backlog(); b != 2 {
		t.Errorf("Backlog = %d, want 2", b)
	}
}

func TestCloseUnblocksReadAndDrains(t *testing.T) {
	t.Parallel()
	j, _ := setup(t, journal.Config{})
	done := make(chan error, 1)
	go func() {
		_, _, err := j.Read(context.Background(), 10)
		done <- err
	}()
	// Whether the Read blocks before or after Close, it must end with ErrClosed.
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, journal.ErrClosed) {
			t.Fatalf("blocked Read = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read still blocked 10 s after Close")
	}

	j2, _ := setup(t, journal.Config{})
	appendAll(t, j2, seq("d", 0, 5)...)
	if err := j2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j2.Append(t.Context(), []byte("late")); !errors.Is(err, journal.ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	got, pos := readN(t, j2, 5)
	if !slices.Equal(got, seq("d", 0, 5)) {
		t.Errorf("drained %q", got)
	}
	if _, _, err := j2.Read(t.Context(), 10); !errors.Is(err, journal.ErrClosed) {
		t.Errorf("Read after draining = %v, want ErrClosed", err)
	}
	if err := j2.Commit(pos); !errors.Is(err, journal.ErrClosed) {
		t.Errorf("Commit after Close = %v, want ErrClosed", err)
	}
}

// Close racing appends: each Append returns nil or ErrClosed, and every
// acknowledged record is there after reopening, whether appends wait for
// the writer goroutine's group or (AckOnWrite) write their own records.
func TestCloseWaitsForQueuedAppends(t *testing.T) {
	t.Parallel()
	for _, ack := range []bool{false, true} {
		t.Run(fmt.Sprintf("AckOnWrite=%v", ack), func(t *testing.T) {
			t.Parallel()
			closeDuringAppends(t, ack)
		})
	}
}

func closeDuringAppends(t *testing.T, ackOnWrite bool) {
	j, cfg := setup(t, journal.Config{AckOnWrite: ackOnWrite, SegmentSize: 4 << 10})
	var acked atomic.Int64
	reached := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				if err := j.Append(context.Background(), []byte("w")); err != nil {
					if !errors.Is(err, journal.ErrClosed) {
						t.Errorf("Append: %v", err)
					}
					return
				}
				if acked.Add(1) >= 200 {
					once.Do(func() { close(reached) })
				}
			}
		})
	}
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatal("fewer than 200 appends in 10 s")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	j2 := reopen(t, cfg)
	if b := j2.Backlog(); b < acked.Load() {
		t.Errorf("%d records after reopen, %d acknowledged", b, acked.Load())
	}
}

// TestHelperProcess is the child of TestSIGKILLLosesNoAcknowledgedRecord: it appends
// from several goroutines and prints each acknowledged sequence number.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("JOURNAL_HELPER_DIR")
	if dir == "" {
		t.Skip("the child of TestSIGKILLLosesNoAcknowledgedRecord")
	}
	j, err := journal.Open(journal.Config{Dir: dir, SegmentSize: 32 << 10, Logger: slog.New(slog.DiscardHandler),
		AckOnWrite: os.Getenv("JOURNAL_HELPER_ACK") == "write"})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	var next atomic.Int64
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			// Bounded so that a parent that failed to kill it does not leave it running.
			for n := next.Add(1); n <= 2_000_000; n = next.Add(1) {
				if err := j.Append(context.Background(), fmt.Appendf(nil, "seq-%d-%s", n, strings.Repeat("p", 100))); err != nil {
					fmt.Println("append:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "%d\n", n)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	os.Exit(0)
}

// Killed, a journal loses no record it acknowledged, whether it
// acknowledges after the sync or (AckOnWrite) after the write.
func TestSIGKILLLosesNoAcknowledgedRecord(t *testing.T) {
	t.Parallel()
	for _, ack := range []string{"sync", "write"} {
		t.Run("ack="+ack, func(t *testing.T) {
			t.Parallel()
			sigkillDrill(t, ack)
		})
	}
}

func sigkillDrill(t *testing.T, ack string) {
	dir := filepath.Join(t.TempDir(), "journal")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "JOURNAL_HELPER_DIR="+dir, "JOURNAL_HELPER_ACK="+ack)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	const wantAcks = 3000
	acked := map[int64]bool{}
	sc := bufio.NewScanner(stdout)
	for len(acked) < wantAcks && sc.Scan() {
		n, err := strconv.ParseInt(sc.Text(), 10, 64)
		if err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		acked[n] = true
	}
	if len(acked) < wantAcks {
		t.Fatalf("child stopped after %d acks: %v; stderr: %s", len(acked), sc.Err(), stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	// Acknowledgements printed before the kill landed count too.
	for sc.Scan() {
		if n, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
			acked[n] = true
		}
	}
	_ = cmd.Wait()
	killed = true

	j := reopen(t, journal.Config{Dir: dir, SegmentSize: 32 << 10, Logger: slog.New(slog.DiscardHandler), AckOnWrite: ack == "write"})
	backlog := j.Backlog()
	got, _ := readN(t, j, int(backlog))
	seen := map[int64]bool{}
	for _, r := range got {
		var n int64
		if _, err := fmt.Sscanf(r, "seq-%d-", &n); err != nil {
			t.Fatalf("recovered record %q: %v", r, err)
		}
		if seen[n] {
			t.Fatalf("record %d recovered twice", n)
		}
		seen[n] = true
	}
	for n := range acked {
		if !seen[n] {
			t.Errorf("acknowledged record %d lost", n)
		}
	}
	t.Logf("%d acknowledged, %d recovered, %d segments", len(acked), len(seen), len(segments(t, dir)))
	assertNothingMore(t, j)
	appendAll(t, j, "after the crash")
}

// BenchmarkAppend measures parallel appends of 150-byte records with group commit,
// and in the same run the baseline of one write and one fdatasync per record, at
// two numbers of concurrent appenders.
func BenchmarkAppend(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(journal.Config) (*journal.Journal, error)
	}{
		{"group", journal.Open},
		{"per-record-sync", journal.OpenPerRecordSync},
	} {
		for _, appenders := range []int{64, 256} {
			b.Run(fmt.Sprintf("%s/appenders=%d", c.name, appenders), func(b *testing.B) {
				j, err := c.open(journal.Config{Dir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				defer j.Close()
				rec := bytes.Repeat([]byte("c"), 150)
				b.SetParallelism(max(1, appenders/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := j.Append(context.Background(), rec); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(float64(j.Syncs())*1000/float64(b.N), "syncs/1000rec")
			})
		}
	}
}

// With AckOnWrite, writes within SyncGap of a sync share the next one;
// Close does not wait out the gap, and its last sync covers the rest.
func TestSyncGapPacesSyncs(t *testing.T) {
	t.Parallel()
	j, cfg := setup(t, journal.Config{AckOnWrite: true, SyncGap: time.Hour})
	// 20 groups (each Append waits for its write): without the gap, up
	// to 20 syncs; with it, the first and no other before Close.
	for i := range 20 {
		appendAll(t, j, fmt.Sprintf("record %d", i))
	}
	if got := j.Syncs(); got > 1 {
		t.Fatalf("%d syncs during the gap, want at most 1", got)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	// The first; the one the gap held (cut short by Close); one more for
	// a kick the writer queued meanwhile (the kick channel holds one),
	// its wait cut short too; and Close's. Without the gap, up to 21.
	if got := j.Syncs(); got < 1 || got > 4 {
		t.Fatalf("%d syncs after Close, want 1 to 4", got)
	}
	// Everything was written: it is all there after reopening.
	j2 := reopen(t, cfg)
	if got := j2.Backlog(); got != 20 {
		t.Fatalf("backlog after reopening = %d, want 20", got)
	}
}
