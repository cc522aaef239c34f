package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/app"
	"github.com/linkgate/linkgate/handlers/redirect"
	"github.com/linkgate/linkgate/journal"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// serve runs the HTTP service until ctx ends, then drains for 10 seconds.
func (m *Main) serve(ctx context.Context, args []string) error {
	cfg, _, err := m.loadConfig("serve", args)
	if err != nil {
		return err
	}
	if err := cfg.checkServeMode(); err != nil {
		return err
	}
	log := newLogger(m.Stderr, cfg.LogLevel)
	// Listen first: with -addr 127.0.0.1:0 the port, and so the public
	// URL derived from it, is known only now. Connections wait in the
	// backlog until the server is ready.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.publicURLFromAddr {
		cfg.PublicURL = urlOfAddr(ln.Addr().String())
	}
	modes := cfg.providerModes()
	names := make([]string, 0, len(modes))
	for n := range modes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		log.Info("provider mode", slog.String("provider", n), slog.String("mode", modes[n]))
	}
	if cfg.TrackingCNAMETarget == "" {
		log.Info("url tracking domains off: LINKGATE_TRACKING_CNAME_TARGET is not set")
	} else {
		log.Info("url tracking", slog.String("cname_target", cfg.TrackingCNAMETarget), slog.String("platform_domain", cfg.TrackingDomain))
	}
	if cfg.SandboxMode() {
		log.Warn("sandbox mode: providers are linkgate's built-in fakes; nothing reaches Twilio or Cloudflare")
	}

	db, store, err := m.openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := m.bootstrap(ctx, cfg, store, log); err != nil {
		return err
	}

	var world *sandboxWorld
	if cfg.SandboxMode() {
		if world, err = newSandboxWorld(ctx, cfg, store, log); err != nil {
			return err
		}
	}
	keys, err := m.loadKeyRing(cfg, log)
	if err != nil {
		return err
	}
	// One registry for the HTTP layer's and the job engine's metrics.
	reg := prometheus.NewRegistry()
	engine, err := m.startWorkflows(ctx, cfg, store, world, keys, reg, log)
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := engine.Stop(stopCtx); err != nil {
			log.Warn("stopping the job engine", slog.String("error", err.Error()))
		}
	}()
	h, err := m.newHTTP(cfg, httpDeps{db: db, store: store, engine: engine, keys: keys, registry: reg, world: world, log: log})
	if err != nil {
		return err
	}
	var root http.Handler = h
	if world != nil {
		root = withSandbox(world.sandbox, h)
	}
	if cfg.IngestProc {
		if n := redirect.AddIngestProc(); n > runtime.NumCPU() {
			log.Info("one P more than CPUs, for the click ingest", slog.Int("gomaxprocs", n))
		}
	}
	// The redirector goes in front of everything, chosen by Host: a
	// tracking host never reaches the API, the console or the sandbox. It
	// stops after the server has drained (defers run last-in first-out).
	rd, err := newRedirector(cfg, store, log)
	if err != nil {
		return err
	}
	defer rd.Close()
	root = rd.Wrap(root)
	metricsSrv, err := m.serveMetrics(cfg, h.MetricsHandler(), log)
	if err != nil {
		return err
	}
	defer metricsSrv.Close()
	debugSrv, err := m.serveDebug(cfg, log)
	if err != nil {
		return err
	}
	defer debugSrv.Close()
	srv := &http.Server{
		Handler:           root,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Shutdown waits for the requests in flight: end the live streams
	// (GET /campaigns/live, the console's) by closing the campaign feed.
	srv.RegisterOnShutdown(store.Close)
	defer store.Close()
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("public_url", cfg.PublicURL),
		slog.String("database", string(db.Dialect)), slog.Bool("sandbox", cfg.SandboxMode()))
	if m.Ready != nil {
		m.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// metricsServer is the /metrics listener; its zero value (metrics off)
// is valid.
type metricsServer struct{ srv *http.Server }

// Close stops the metrics listener at once (scrapes are not drained).
func (s metricsServer) Close() {
	if s.srv != nil {
		_ = s.srv.Close()
	}
}

// serveMetrics serves /metrics alone on cfg.MetricsAddr, apart from the
// public listener (nothing when it is off). It fails when the address
// cannot be bound, and reports the bound address to m.MetricsReady.
func (m *Main) serveMetrics(cfg Config, metrics http.Handler, log *slog.Logger) (metricsServer, error) {
	if cfg.MetricsAddr == "" {
		log.Info("metrics off")
		return metricsServer{}, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return metricsServer{}, fmt.Errorf("LINKGATE_METRICS_ADDR: listen on %s: %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics listener stopped", slog.String("error", err.Error()))
		}
	}()
	log.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	if m.MetricsReady != nil {
		m.MetricsReady(ln.Addr().String())
	}
	return metricsServer{srv: srv}, nil
}

// serveDebug serves net/http/pprof's handlers under /debug/pprof/ on
// cfg.DebugAddr (checked to be loopback unless allowed), apart from the
// public listener (nothing when it is off), and reports the bound address
// to m.DebugReady.
func (m *Main) serveDebug(cfg Config, log *slog.Logger) (metricsServer, error) {
	if cfg.DebugAddr == "" {
		return metricsServer{}, nil
	}
	ln, err := net.Listen("tcp", cfg.DebugAddr)
	if err != nil {
		return metricsServer{}, fmt.Errorf("LINKGATE_DEBUG_ADDR: listen on %s: %w", cfg.DebugAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No WriteTimeout: a CPU profile or trace streams for ?seconds=.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("debug listener stopped", slog.String("error", err.Error()))
		}
	}()
	log.Info("pprof listening", slog.String("addr", ln.Addr().String()))
	if m.DebugReady != nil {
		m.DebugReady(ln.Addr().String())
	}
	return metricsServer{srv: srv}, nil
}

// httpDeps are what serve has made for the HTTP layer.
type httpDeps struct {
	db       *models.DB
	store    *models.Store
	engine   *workflows.Engine
	keys     *models.KeyRing
	registry *prometheus.Registry
	world    *sandboxWorld // nil outside sandbox mode
	log      *slog.Logger
}

// newHTTP gives the HTTP application (handlers/app: the web kit with the
// JSON API, the registration pages and the console) its settings.
func (m *Main) newHTTP(cfg Config, d httpDeps) (*handlers.Server, error) {
	doctor, err := consoleDNSDoctor(d.world)
	if err != nil {
		return nil, err
	}
	// Twilio's callbacks are signed with the account's token; in sandbox
	// mode the fake account's.
	twilioToken := cfg.TwilioToken
	if d.world != nil {
		twilioToken = d.world.twilioToken
	}
	return app.New(app.Config{
		Config: handlers.Config{
			Store:          d.store,
			Logger:         d.log,
			Registry:       d.registry,
			Version:        version(),
			PublicURL:      cfg.PublicURL,
			PageLimits:     cfg.PageLimits,
			TrustedProxies: cfg.TrustedProxies,
			Ready: func(ctx context.Context) error {
				if err := d.db.Ping(ctx); err != nil {
					return err
				}
				return d.engine.Ready(ctx)
			},
		},
		Workflows:       d.engine,
		Keys:            d.keys,
		DNS:             models.DNSDefaults{Target: cfg.CNAMETarget, TrackingTarget: cfg.TrackingCNAMETarget, TTL: cfg.CNAMETTL},
		Webhooks:        d.engine.WebhookPolicy(),
		PlatformName:    cfg.PlatformName,
		Sandbox:         cfg.SandboxMode(),
		SandboxConsole:  consoleSandbox(d.world),
		DNSDoctor:       doctor,
		TwilioAuthToken: twilioToken,
		ClickScanWindow: cfg.clickScanWindow(),
	})
}

// openStore opens and migrates the database.
func (m *Main) openStore(ctx context.Context, cfg Config, log *slog.Logger) (*models.DB, *models.Store, error) {
	db, err := models.Open(ctx, models.DBConfig{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log, Now: m.Now})
	if err != nil {
		return nil, nil, err
	}
	applied, err := models.Migrate(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	for _, name := range applied {
		log.Info("migration applied", slog.String("migration", name))
	}
	store := models.NewStore(db, m.Now)
	store.SetTrackingDomain(cfg.TrackingDomain)
	if err := store.PrepareHot(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, store, nil
}

// bootstrap creates the configured admin key and user, or on a first start
// with neither, one admin key that it prints once.
func (m *Main) bootstrap(ctx context.Context, cfg Config, store *models.Store, log *slog.Logger) error {
	if cfg.BootstrapKey != "" {
		created, err := store.EnsureAdminKey(ctx, cfg.BootstrapKey, "bootstrap")
		if err != nil {
			return fmt.Errorf("LINKGATE_BOOTSTRAP_ADMIN_KEY: %w", err)
		}
		if created {
			log.Info("bootstrap admin key created")
		}
	} else {
		n, err := store.CountAdminKeys(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			key, _, err := store.CreateAPIKey(ctx, models.RoleAdmin, "", "first start")
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "\nlinkgate: first start, created an admin API key. It is shown only this once:\n\n    %s\n\n", key)
		}
	}
	if cfg.AdminEmail != "" || cfg.AdminPassword != "" {
		exists, err := store.UserExists(ctx, cfg.AdminEmail)
		if err != nil {
			return err
		}
		if !exists {
			if _, err := store.CreateUser(ctx, models.UserInput{Email: cfg.AdminEmail, Password: cfg.AdminPassword, Role: models.RoleAdmin}); err != nil {
				return fmt.Errorf("LINKGATE_BOOTSTRAP_ADMIN_EMAIL/PASSWORD: %w", err)
			}
			log.Info("bootstrap admin user created", slog.String("email", cfg.AdminEmail))
		}
	}
	return nil
}

// maxClickJournals is how many processes may share one data directory
// (replicas on one PostgreSQL database in sandbox mode share its secret
// key), each with a click journal of its own.
const maxClickJournals = 16

// newRedirector starts the redirector on the first click journal of the
// data directory that no other process holds: clicks/, then clicks-2/
// and on. A process that starts takes over the journal of one that died,
// and stores what that one left in it.
func newRedirector(cfg Config, store *models.Store, log *slog.Logger) (*redirect.Redirector, error) {
	for i := 1; ; i++ {
		dir := filepath.Join(cfg.DataDir, "clicks")
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", dir, i)
		}
		if err := models.PrivateDir(dir); err != nil {
			return nil, err
		}
		rd, err := redirect.New(redirect.Config{Store: store, Logger: log, ScanWindow: cfg.clickScanWindow(), JournalDir: dir,
			SyncClicks: cfg.SyncClicks})
		if errors.Is(err, journal.ErrLocked) && i < maxClickJournals {
			continue
		}
		return rd, err
	}
}
