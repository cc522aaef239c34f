package redirect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linkgate/linkgate/journal"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/shortlink"
)

// Defaults of Config.
const (
	DefaultBatch = 256
	// DefaultWorkers is Config.Workers' default on PostgreSQL; on SQLite,
	// whose one connection runs one query at a time, it is 1: a single
	// worker takes every lookup waiting into one query (cmd/lgredirect,
	// refs not in the cache: 0.39 of bare's rate against 0.36 with 4).
	// On PostgreSQL each query costs the server about as much as the refs
	// it finds, so fewer, fuller queries go faster (cmd/lgredirect -cold:
	// 0.34–0.35 of bare's rate with 2, 0.30–0.31 with 4, 0.37 with 1); two
	// keep one slow query (a link read from disk) from holding up all.
	DefaultWorkers      = 2
	DefaultIngestBatch  = 2048
	DefaultIngestGather = 50 * time.Millisecond
	DefaultHostsRefresh = 5 * time.Second
	// maxUserAgent is how much of a user agent a click keeps (as
	// models.StoreLinkVisits does).
	maxUserAgent = 1024
)

// Config configures the redirector. Store, Logger and JournalDir are
// required.
type Config struct {
	Store  *models.Store
	Logger *slog.Logger
	// JournalDir is the click journal's directory (package journal): a
	// click is appended there, and synced to disk, before its 302; the
	// redirector then stores it in the database in batches. It must
	// outlive the process as the database does (on a persistent volume),
	// and one process at a time uses it.
	JournalDir string
	// SyncClicks: a click's 302 waits until its journal write is
	// fdatasync'd (with the clicks around it: one sync per group), so a
	// power loss loses no answered click. Off (the default), the 302
	// waits for the write only: the click survives linkgate being killed,
	// as a SQLite commit in linkgate's WAL mode does, and is synced within
	// journal.DefaultSyncGap; a power loss may lose the last moment's
	// clicks.
	SyncClicks bool
	// ScanWindow: a click this soon after its message's delivery is a
	// scanner's (models.ClassifyClick; 0 turns the rule off).
	ScanWindow time.Duration
	// Batch is the most refs one lookup query finds (default 256) for
	// links not in the store's cache of fresh links; Workers how many
	// lookups run at once (default DefaultWorkers; 1 on SQLite).
	Batch, Workers int
	// IngestBatch is the most clicks one transaction stores (default
	// DefaultIngestBatch).
	IngestBatch int
	// IngestGather is how long the ingester lets clicks gather after a
	// batch smaller than IngestBatch (default DefaultIngestGather;
	// negative: none): clicks reach the database about this much later,
	// in fewer, larger transactions.
	IngestGather time.Duration
	// HostsRefresh is how often the configured tracking domains are
	// read again (default 5 s): a newly configured one is served within it.
	HostsRefresh time.Duration
}

// Redirector answers tracking hosts (Wrap) and passes everything else on.
type Redirector struct {
	cfg      Config
	platform string // the platform's tracking host
	hosts    atomic.Pointer[map[string]bool]
	lk       *lookups
	journal  *journal.Journal
	cancel   context.CancelFunc // the lookups and the hosts' refresh
	stopIn   context.CancelFunc // the ingester
	// interrupt ends the ingester's wait for clicks (Flush).
	interrupt atomic.Pointer[context.CancelFunc]
	wg, inWG  sync.WaitGroup
}

// New validates cfg, opens the click journal (storing what an earlier
// process left in it), reads the tracking hosts and starts the workers;
// Close stops them.
func New(cfg Config) (*Redirector, error) {
	if cfg.Store == nil {
		return nil, errors.New("redirect: Store is required")
	}
	if cfg.Logger == nil {
		return nil, errors.New("redirect: Logger is required")
	}
	if cfg.JournalDir == "" {
		return nil, errors.New("redirect: JournalDir is required")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
		if cfg.Store.DB().Dialect == models.SQLite {
			cfg.Workers = 1
		}
	}
	if cfg.IngestBatch <= 0 {
		cfg.IngestBatch = DefaultIngestBatch
	}
	if cfg.IngestGather == 0 {
		cfg.IngestGather = DefaultIngestGather
	}
	if cfg.HostsRefresh <= 0 {
		cfg.HostsRefresh = DefaultHostsRefresh
	}
	if err := cfg.Store.PrepareHot(context.Background()); err != nil {
		return nil, err
	}
	j, err := journal.Open(journal.Config{Dir: cfg.JournalDir, Logger: cfg.Logger, AckOnWrite: !cfg.SyncClicks})
	if err != nil {
		return nil, fmt.Errorf("redirect: the click journal: %w", err)
	}
	r := &Redirector{cfg: cfg, platform: cfg.Store.TrackingDomain(), journal: j,
		lk: &lookups{store: cfg.Store, max: cfg.Batch, in: make(chan *lookup, cfg.Batch*cfg.Workers)}}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if err := r.refreshHosts(ctx); err != nil {
		cancel()
		_ = j.Close()
		return nil, err
	}
	inCtx, stopIn := context.WithCancel(context.Background())
	r.stopIn = stopIn
	r.inWG.Go(func() { r.ingest(inCtx) })
	for range cfg.Workers {
		r.wg.Go(func() { r.lk.run(ctx) })
	}
	r.wg.Go(func() {
		t := time.NewTicker(cfg.HostsRefresh)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := r.refreshHosts(ctx); err != nil && ctx.Err() == nil {
					cfg.Logger.Warn("redirect: reading the tracking hosts", slog.String("error", err.Error()))
				}
			}
		}
	})
	return r, nil
}

// Close stops the workers once the lookups queued are answered, stores
// the clicks still in the journal (for up to 10 s; what is left is stored
// at the next start) and closes the journal. Call it after the HTTP server
// has shut down.
func (r *Redirector) Close() {
	r.cancel()
	r.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	if err := r.Flush(ctx); err != nil {
		r.cfg.Logger.Warn("redirect: clicks left in the journal for the next start", slog.Int64("clicks", r.journal.Backlog()))
	}
	cancel()
	r.stopIn()
	r.inWG.Wait()
	if err := r.journal.Close(); err != nil {
		r.cfg.Logger.Error("redirect: closing the click journal", slog.String("error", err.Error()))
	}
}

func (r *Redirector) refreshHosts(ctx context.Context) error {
	list, err := r.cfg.Store.TrackingHosts(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]bool, len(list)+1)
	for _, h := range list {
		m[h] = true
	}
	if r.platform != "" {
		m[r.platform] = true
	}
	r.hosts.Store(&m)
	return nil
}

// Tracking reports whether host (no port, any case) is a tracking host:
// a known one or one prefix word in front of a known one.
func (r *Redirector) Tracking(host string) bool {
	hosts := *r.hosts.Load()
	if len(hosts) == 0 {
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if hosts[host] {
		return true
	}
	word, rest, ok := strings.Cut(host, ".")
	return ok && hosts[rest] && shortlink.ValidPrefix(word)
}

// Wrap serves tracking hosts and hands every other request to next.
func (r *Redirector) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		host := req.Host
		if strings.IndexByte(host, ':') >= 0 { // a port (or an IPv6 address): without one, SplitHostPort's error costs an allocation
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
		}
		if !r.Tracking(host) {
			next.ServeHTTP(w, req)
			return
		}
		r.serve(w, req, strings.ToLower(strings.TrimSuffix(host, ".")))
	})
}

var (
	noStore    = []string{"no-store"}
	noReferrer = []string{"no-referrer"}
	noSniff    = []string{"nosniff"}
)

// serve answers one request for a tracking host.
func (r *Redirector) serve(w http.ResponseWriter, req *http.Request, host string) {
	h := w.Header()
	// Shared, never modified slices under canonical keys: no allocation
	// per answer.
	h["Cache-Control"] = noStore // every tap comes back here and counts
	h["Referrer-Policy"] = noReferrer
	h["X-Content-Type-Options"] = noSniff
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ref := strings.TrimPrefix(req.URL.Path, "/")
	if !shortlink.ValidRef(ref) {
		notFound(w)
		return
	}
	url, slot, ok := r.cfg.Store.CachedLinkSlot(ref, host)
	if !ok {
		lk := &lookup{ref: ref, host: host, done: make(chan found, 1)}
		select {
		case r.lk.in <- lk:
		case <-req.Context().Done():
			return
		}
		f := <-lk.done // the batch answers every lookup it took
		if f.err != nil {
			r.unavailable(w, "finding a link", f.err)
			return
		}
		url = f.url
	}
	if url == "" {
		fallback, err := r.cfg.Store.FallbackURL(req.Context(), host)
		if err != nil {
			r.cfg.Logger.Error("redirect: finding the fallback", slog.String("error", err.Error()))
		}
		if fallback == "" {
			notFound(w)
			return
		}
		h.Set("Location", fallback)
		w.WriteHeader(http.StatusFound)
		return
	}
	// The click is on disk before the answer: a crash loses none that
	// was answered.
	now := time.Now()
	ua := req.UserAgent()
	if len(ua) > maxUserAgent {
		ua = strings.ToValidUTF8(ua[:maxUserAgent], "")
	}
	v := models.LinkVisit{ID: models.NewLinkClickID(now), Ref: ref, Host: host, Method: req.Method, UserAgent: ua, At: now, Slot: slot}
	if err := r.journal.Append(req.Context(), encodeVisit(v)); err != nil {
		if req.Context().Err() != nil {
			return // the client left before its click was written
		}
		r.unavailable(w, "recording a click", err)
		return
	}
	h["Location"] = []string{url}
	w.WriteHeader(http.StatusFound)
}

// unavailable answers 503: nothing was recorded, the client may try again.
func (r *Redirector) unavailable(w http.ResponseWriter, what string, err error) {
	r.cfg.Logger.Error("redirect: "+what, slog.String("error", err.Error()))
	w.Header().Set("Retry-After", "1")
	http.Error(w, "try again in a moment", http.StatusServiceUnavailable)
}

const notFoundPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
	`<title>Link not found</title></head><body><h1>Link not found</h1><p>This link does not exist or has expired.</p></body></html>`

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(notFoundPage))
}
