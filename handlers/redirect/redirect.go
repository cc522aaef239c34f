package redirect

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/shortlink"
)

// Defaults of Config.
const (
	DefaultBatch        = 256
	DefaultWorkers      = 4
	DefaultHostsRefresh = 5 * time.Second
)

// Config configures the redirector. Store and Logger are required.
type Config struct {
	Store  *models.Store
	Logger *slog.Logger
	// ScanWindow: a click this soon after its message's delivery is a
	// scanner's (models.ClassifyClick; 0 turns the rule off).
	ScanWindow time.Duration
	// Batch is the most visits one transaction records (default 256);
	// Workers how many batches run at once (default 4 on PostgreSQL, 1 on
	// SQLite, whose commits are serialised anyway: one worker makes the
	// batches larger).
	Batch, Workers int
	// HostsRefresh is how often the configured tracking domains are
	// read again (default 5 s): a newly configured one is served within it.
	HostsRefresh time.Duration
}

// Redirector answers tracking hosts (Wrap) and passes everything else on.
type Redirector struct {
	cfg      Config
	platform string // the platform's tracking host
	hosts    atomic.Pointer[map[string]bool]
	b        *batcher
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// New validates cfg, reads the tracking hosts and starts the batch
// workers; Close stops them.
func New(cfg Config) (*Redirector, error) {
	if cfg.Store == nil {
		return nil, errors.New("redirect: Store is required")
	}
	if cfg.Logger == nil {
		return nil, errors.New("redirect: Logger is required")
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
	if cfg.HostsRefresh <= 0 {
		cfg.HostsRefresh = DefaultHostsRefresh
	}
	if err := cfg.Store.PrepareHot(context.Background()); err != nil {
		return nil, err
	}
	r := &Redirector{cfg: cfg, platform: cfg.Store.TrackingDomain(),
		b: &batcher{store: cfg.Store, window: cfg.ScanWindow, max: cfg.Batch, in: make(chan *visit, cfg.Batch*cfg.Workers)}}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if err := r.refreshHosts(ctx); err != nil {
		cancel()
		return nil, err
	}
	for range cfg.Workers {
		r.wg.Go(func() { r.b.run(ctx) })
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

// Close stops the workers once the visits queued are answered. Call it
// after the HTTP server has shut down.
func (r *Redirector) Close() {
	r.cancel()
	r.wg.Wait()
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
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !r.Tracking(host) {
			next.ServeHTTP(w, req)
			return
		}
		r.serve(w, req, strings.ToLower(strings.TrimSuffix(host, ".")))
	})
}

// serve answers one request for a tracking host.
func (r *Redirector) serve(w http.ResponseWriter, req *http.Request, host string) {
	h := w.Header()
	h.Set("Cache-Control", "no-store") // every tap comes back here and counts
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
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
	v := &visit{ref: ref, host: host, method: req.Method, userAgent: req.UserAgent(), at: time.Now(),
		done: make(chan outcome, 1)}
	select {
	case r.b.in <- v:
	case <-req.Context().Done():
		return
	}
	// The batch answers every visit it took, even after the client left.
	o := <-v.done
	switch {
	case o.err != nil:
		r.cfg.Logger.Error("redirect: recording a click", slog.String("error", o.err.Error()))
		h.Set("Retry-After", "1")
		http.Error(w, "try again in a moment", http.StatusServiceUnavailable)
	case o.found:
		h.Set("Location", o.url)
		w.WriteHeader(http.StatusFound)
	default:
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
	}
}

const notFoundPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
	`<title>Link not found</title></head><body><h1>Link not found</h1><p>This link does not exist or has expired.</p></body></html>`

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(notFoundPage))
}
