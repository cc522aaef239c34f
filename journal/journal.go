package journal

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by Append after Close, and by Read once a closed journal has
// no more records to give.
var ErrClosed = errors.New("journal: closed")

// ErrLocked is returned (wrapped, with the directory) by Open when another Journal,
// in this process or another, holds the directory.
var ErrLocked = errors.New("journal: the directory is in use by another process")

const (
	// DefaultSegmentSize is Config.SegmentSize when it is zero.
	DefaultSegmentSize = 64 << 20
	// DefaultMaxRecord is Config.MaxRecord when it is zero.
	DefaultMaxRecord = 64 << 10
	// groupBytes is how many bytes of queued frames one group takes at most (a
	// single larger frame forms a group of its own).
	groupBytes = 4 << 20
	// maxMarks bounds the remembered Read positions Commit counts records with;
	// older ones fall back to counting on disk.
	maxMarks = 4096
)

const lockName = "LOCK"

// Config configures a Journal.
type Config struct {
	Dir         string       // required; created 0700 if missing; files 0600
	SegmentSize int64        // a segment is closed once it reaches this size (default 64 MiB)
	MaxRecord   int          // largest record accepted (default 64 KiB); larger → error, nothing written
	Logger      *slog.Logger // required (use slog.New(slog.DiscardHandler) in tests)
	// AckOnWrite makes Append return once its record is written to the
	// segment file (in the operating system's page cache: it survives the
	// process being killed, as a SQLite commit in WAL mode with
	// synchronous=NORMAL does), while a syncer goroutine fdatasyncs right
	// behind the writes; a power loss or kernel crash may lose what the
	// last sync had not reached. Append then writes its record itself, in
	// the caller's goroutine: a write to the page cache costs less than
	// handing the record to the writer goroutine and being woken by it
	// (the redirector under load, cmd/lgredirect: 0.65–0.72 of a bare
	// handler's rate against 0.60–0.62). On Linux the segment is
	// preallocated and memory-mapped and the write is a copy, no syscall
	// (0.75–0.76 against 0.69–0.70 with a pwrite; mapped.go). Default
	// (false): Append returns only once its record is fdatasync'd, one
	// write and one fdatasync per group.
	AckOnWrite bool
	// SyncGap, with AckOnWrite, is the least time from the start of one
	// fdatasync to the start of the next (default DefaultSyncGap; negative:
	// none, sync back to back). Writes in between share the next sync: a
	// power loss loses at most about a gap and a sync of answered records.
	SyncGap time.Duration
}

// DefaultSyncGap is Config.SyncGap's default: back-to-back syncs under
// load cost the kernel a journal commit each (a tenth of the
// redirector's CPU in cmd/lgredirect's profile) for a window of loss
// only slightly narrower.
const DefaultSyncGap = 10 * time.Millisecond

// Position is a place in the journal (segment number and byte offset); comparable.
// Read returns the Position just after the records it returned; Commit takes it.
type Position struct {
	Segment uint64
	Offset  int64
}

// before reports whether p is strictly before q.
func (p Position) before(q Position) bool {
	return p.Segment < q.Segment || (p.Segment == q.Segment && p.Offset < q.Offset)
}

// Journal is an open journal directory. Its methods are safe for concurrent use,
// except that Read must not be called by two goroutines at once.
type Journal struct {
	dir         string
	segmentSize int64
	maxRecord   int
	groupBytes  int
	groupCount  int // records per group at most; 0 means no limit (a test knob)
	log         *slog.Logger
	lock        *os.File

	// Owned by the writer goroutine (and by Open before it starts).
	wf    *os.File // replaced under fileMu (the syncer reads it)
	wsize int64
	spare []byte
	// wmap maps wf with AckOnWrite (mapped.go): frames are copied into it.
	wmap  []byte
	noMap bool // the file system cannot preallocate: never map

	// AckOnWrite: the syncer fdatasyncs wf whenever kicked.
	ackOnWrite bool
	// directMu: with AckOnWrite, Append writes its record itself, under
	// directMu, which then owns wf, wsize and directBuf (the writer
	// goroutine, which owns them otherwise, is idle).
	directMu   sync.Mutex
	directBuf  []byte
	fileMu     sync.Mutex
	syncKick   chan struct{}
	syncGap    time.Duration
	closing    chan struct{} // closed when Close begins: the syncer stops pacing
	syncerDone chan struct{}

	syncs     atomic.Int64 // fdatasyncs of segment data, for tests
	hookTaken func()       // tests: called by the writer once it has taken a group

	mu           sync.Mutex
	wcond        *sync.Cond // signals the writer: a group is queued, or closing
	queue        []*group   // groups waiting for the writer, oldest first
	closed       bool       // Close was called: Append refuses
	shut         bool       // Close finished: the writer is gone, the lock released
	werr         error      // sticky write failure
	wseg         uint64     // the segment being written
	sealed       map[uint64]int64
	durable      Position // end of the durable data
	durableCount int64    // records durable since Open, counted from the committed position
	notify       chan struct{}
	committed    Position
	commitCount  int64 // records before committed, counted like durableCount
	rpos         Position
	rcount       int64
	marks        []mark

	writerDone chan struct{}
	readMu     sync.Mutex // one Read at a time
	rf         *os.File   // the reader's open segment
	rfSeg      uint64
	commitMu   sync.Mutex // one Commit at a time, and none during Close

	closeOnce sync.Once
	closeErr  error
}

// mark remembers a Position Read returned and how many records lie before it.
type mark struct {
	pos   Position
	count int64
}

// Open opens (creating it if need be) the journal in cfg.Dir, locks the directory,
// and recovers: it validates every record after the committed position, truncates a
// torn tail, and positions the read cursor at the committed position.
func Open(cfg Config) (*Journal, error) {
	return open(cfg, 0)
}

func open(cfg Config, groupCount int) (*Journal, error) {
	if cfg.Dir == "" {
		return nil, errors.New("journal: Config.Dir is required")
	}
	if cfg.Logger == nil {
		return nil, errors.New("journal: Config.Logger is required")
	}
	if cfg.SegmentSize < 0 {
		return nil, fmt.Errorf("journal: Config.SegmentSize %d is negative", cfg.SegmentSize)
	}
	if cfg.MaxRecord < 0 || cfg.MaxRecord > 1<<30 {
		return nil, fmt.Errorf("journal: Config.MaxRecord %d is out of range (0 to 1 GiB)", cfg.MaxRecord)
	}
	j := &Journal{
		dir:         cfg.Dir,
		segmentSize: cfg.SegmentSize,
		maxRecord:   cfg.MaxRecord,
		groupBytes:  groupBytes,
		groupCount:  groupCount,
		log:         cfg.Logger,
		sealed:      map[uint64]int64{},
		writerDone:  make(chan struct{}),
		ackOnWrite:  cfg.AckOnWrite,
		syncGap:     cfg.SyncGap,
	}
	if j.syncGap == 0 {
		j.syncGap = DefaultSyncGap
	}
	if j.segmentSize == 0 {
		j.segmentSize = DefaultSegmentSize
	}
	if j.maxRecord == 0 {
		j.maxRecord = DefaultMaxRecord
	}
	j.wcond = sync.NewCond(&j.mu)

	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: creating %s: %w", j.dir, err)
	}
	lf, err := os.OpenFile(j.path(lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: opening the lock file: %w", err)
	}
	if err := lockFile(lf, j.dir); err != nil {
		_ = lf.Close()
		return nil, err
	}
	j.lock = lf
	if err := j.recover(); err != nil {
		if j.wf != nil {
			_ = j.wf.Close()
		}
		_ = unlockFile(lf)
		_ = lf.Close()
		return nil, err
	}
	j.mapCurrent()
	go j.writeLoop()
	if j.ackOnWrite {
		j.syncKick, j.syncerDone, j.closing = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		go j.syncLoop()
	}
	return j, nil
}

// Backlog reports how many durable records are after the committed position,
// including those recovered at Open.
func (j *Journal) Backlog() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.durableCount - j.commitCount
}

// Close stops accepting appends (later Append → ErrClosed), waits for the queued
// groups to be written and synced, unblocks Read (which drains what is durable, then
// returns ErrClosed), and releases the directory lock. Commit after Close returns
// ErrClosed. Idempotent.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() {
		// Under directMu: an Append writing its own record finishes
		// first, and later ones see closed.
		j.directMu.Lock()
		j.mu.Lock()
		j.closed = true
		j.wcond.Broadcast()
		j.mu.Unlock()
		j.directMu.Unlock()
		if j.closing != nil {
			close(j.closing)
		}
		<-j.writerDone
		if j.ackOnWrite {
			close(j.syncKick)
			<-j.syncerDone
		}

		j.commitMu.Lock()
		defer j.commitMu.Unlock()
		j.mu.Lock()
		j.shut = true
		j.wake()
		j.mu.Unlock()

		var errs []error
		if err := j.unmapCurrent(); err != nil {
			errs = append(errs, err)
		}
		if err := j.wf.Close(); err != nil {
			errs = append(errs, fmt.Errorf("journal: closing the segment: %w", err))
		}
		if j.readMu.TryLock() {
			j.closeReader()
			j.readMu.Unlock()
		}
		if err := unlockFile(j.lock); err != nil {
			errs = append(errs, fmt.Errorf("journal: unlocking: %w", err))
		}
		if err := j.lock.Close(); err != nil {
			errs = append(errs, fmt.Errorf("journal: closing the lock file: %w", err))
		}
		j.closeErr = errors.Join(errs...)
	})
	return j.closeErr
}

// wake tells waiting readers that something changed. j.mu must be held.
// The channel is made when a reader needs one (notifyChan), so that a
// write nobody waits for costs no channel.
func (j *Journal) wake() {
	if j.notify != nil {
		close(j.notify)
		j.notify = nil
	}
}

// notifyChan is the channel the next wake closes. j.mu must be held.
func (j *Journal) notifyChan() chan struct{} {
	if j.notify == nil {
		j.notify = make(chan struct{})
	}
	return j.notify
}

func (j *Journal) path(name string) string { return filepath.Join(j.dir, name) }

func (j *Journal) segmentPath(n uint64) string { return j.path(segmentName(n)) }
