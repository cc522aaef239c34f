package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/app"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/hostseed"
)

// defaultQ are the search words of the q scenarios when -q is not given.
func defaultQ() []string { return hostseed.SearchWords() }

// statusWeights spreads domains over the lifecycle statuses, most of them
// configured or pending (percent).
var statusWeights = []struct {
	Status models.Status
	Pct    float64
}{
	{models.StatusConfigured, 45},
	{models.StatusPending, 20},
	{models.StatusDNSPending, 8},
	{models.StatusSSLPending, 6},
	{models.StatusAwaitingClient, 5},
	{models.StatusFailed, 4},
	{models.StatusAwaitingDomainSID, 3},
	{models.StatusArchived, 3},
	{models.StatusReachedLimit, 2},
	{models.StatusBlocked, 1.5},
	{models.StatusUnderReview, 1.5},
	{models.StatusDeclined, 1},
}

func pickStatus(r *mrand.Rand) models.Status {
	x := r.Float64() * 100
	for _, w := range statusWeights {
		if x < w.Pct {
			return w.Status
		}
		x -= w.Pct
	}
	return models.StatusConfigured
}

// createSchema makes schema lgload_<random> and returns a URL whose
// search_path puts it first, and a function that drops it.
func createSchema(ctx context.Context, base string, logf func(string, ...any)) (string, func() error, error) {
	admin, err := models.Open(ctx, models.DBConfig{DatabaseURL: base})
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "lgload_" + hex.EncodeToString(b)
	if _, err := admin.SQL.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	logf("created schema %s", schema)
	u, err := withSearchPath(base, schema+",public")
	if err != nil {
		return "", nil, err
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, err := models.Open(ctx, models.DBConfig{DatabaseURL: base})
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.SQL.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return err
		}
		logf("dropped schema %s", schema)
		return nil
	}
	return u, drop, nil
}

func withSearchPath(dsn, path string) (string, error) {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("-database-url: %w", err)
		}
		q := u.Query()
		q.Set("search_path", path)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + path, nil
}

// env is the system under test.
type env struct {
	db      *models.DB
	store   *models.Store
	srv     *http.Server
	baseURL string
	key     string
	client  *http.Client
}

func (e *env) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = e.srv.Shutdown(ctx)
	e.client.CloseIdleConnections()
	_ = e.db.Close()
}

// setup opens and migrates the database, seeds it when asked, makes an
// admin key and serves the handler on a loopback port.
func setup(ctx context.Context, dsn string, o options, logf func(string, ...any)) (*env, error) {
	db, err := models.Open(ctx, models.DBConfig{DatabaseURL: dsn})
	if err != nil {
		return nil, err
	}
	if db.Dialect != models.Postgres {
		db.Close()
		return nil, errors.New("lgload needs PostgreSQL")
	}
	ok := false
	defer func() {
		if !ok {
			db.Close()
		}
	}()
	applied, err := models.Migrate(ctx, db)
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		logf("applied migrations %s", strings.Join(applied, ", "))
	}
	if o.MaxConns > 0 {
		db.SQL.SetMaxOpenConns(o.MaxConns)
		db.SQL.SetMaxIdleConns(o.MaxConns)
	}
	store := models.NewStore(db, nil)
	if o.Seed {
		if err := seed(ctx, db, store, o, logf); err != nil {
			return nil, err
		}
	}
	if o.SQL != "" {
		start := time.Now()
		if _, err := db.SQL.ExecContext(ctx, o.SQL); err != nil {
			return nil, fmt.Errorf("-sql: %w", err)
		}
		if _, err := db.SQL.ExecContext(ctx, "ANALYZE domains"); err != nil {
			return nil, fmt.Errorf("analyze: %w", err)
		}
		logf("ran -sql and ANALYZE in %s", time.Since(start).Round(time.Millisecond))
	}
	key, _, err := store.CreateAPIKey(ctx, models.RoleAdmin, "", "lgload")
	if err != nil {
		return nil, fmt.Errorf("create admin key: %w", err)
	}
	h, err := app.New(app.Config{Config: handlers.Config{
		Store: store,
		// Requests are logged as in production (JSON), to nowhere.
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	tr := &http.Transport{
		MaxIdleConns:        4 * o.Concurrency,
		MaxIdleConnsPerHost: 4 * o.Concurrency,
		DisableCompression:  true,
	}
	ok = true
	return &env{
		db: db, store: store, srv: srv, key: key,
		baseURL: "http://" + ln.Addr().String(),
		client:  &http.Client{Transport: tr, Timeout: time.Minute},
	}, nil
}

var domainColumns = []string{
	"id", "client_id", "host", "apex", "subdomain", "purpose", "setup_mode", "status", "status_reason",
	"dns_status", "ssl_status", "cname_target", "cname_ttl", "domain_sid", "cert_expires_at",
	"created_at", "updated_at", "status_changed_at",
}

// seed makes the clients through the Store and COPYs the domains through
// the same *sql.DB, then runs VACUUM ANALYZE.
func seed(ctx context.Context, db *models.DB, store *models.Store, o options, logf func(string, ...any)) error {
	start := time.Now()
	r := mrand.New(mrand.NewPCG(1, 2))
	clientIDs := make([]string, o.Clients)
	for i := range clientIDs {
		w := hostseed.Words[i%len(hostseed.Words)]
		c, err := store.CreateClient(ctx, models.ClientInput{
			Name:  fmt.Sprintf("%s%s Holdings %d", strings.ToUpper(w[:1]), w[1:], i),
			Email: fmt.Sprintf("ops%d@%s.example.com", i, w),
			Plan:  []models.Plan{models.PlanBasic, models.PlanPremium, models.PlanEnterprise}[r.IntN(3)],
		})
		if err != nil {
			return fmt.Errorf("seed client: %w", err)
		}
		clientIDs[i] = c.ID
	}

	// Creation times spread evenly over the last two years; ids are made in
	// the same order, so id order is creation order as in production.
	span := 2 * 365 * 24 * time.Hour
	t0 := time.Now().UTC().Add(-span)
	step := span / time.Duration(o.Domains)
	perWord := make([]int, len(hostseed.Words))
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == o.Domains {
			return nil, nil
		}
		created := t0.Add(time.Duration(i)*step + time.Duration(r.Int64N(int64(step)+1))).Truncate(time.Microsecond)
		i++
		wi := r.IntN(len(hostseed.Words))
		perWord[wi]++
		apex := hostseed.Apex(wi, perWord[wi])
		// Clients own domains unevenly: the first clients have the most.
		client := clientIDs[int(math.Pow(r.Float64(), 2)*float64(len(clientIDs)))]
		st := pickStatus(r)
		setup, reason, dnsSt, sslSt, sid := domainState(r, st)
		var certExp any
		if sslSt == models.SSLActive {
			certExp = created.Add(time.Duration(30+r.IntN(60)) * 24 * time.Hour)
		}
		updated := created.Add(time.Duration(r.Int64N(int64(48 * time.Hour))))
		return []any{
			models.NewID(models.PrefixDomain), client, hostseed.Host(apex), apex, hostseed.Subdomain,
			string(models.PurposeLinkShortening), string(setup), string(st), reason,
			string(dnsSt), string(sslSt), models.DefaultCNAMETarget, models.DefaultCNAMETTL, sid, certExp,
			created, updated, updated,
		}, nil
	})
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var n int64
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{"domains"}, domainColumns, src)
		return err
	})
	if err != nil {
		return fmt.Errorf("seed domains: %w", err)
	}
	logf("seeded %d clients and %d domains in %s", len(clientIDs), n, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	for _, t := range []string{"clients", "domains", "api_keys"} {
		if _, err := conn.ExecContext(ctx, "VACUUM ANALYZE "+t); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	logf("VACUUM ANALYZE in %s", time.Since(start).Round(time.Millisecond))
	return nil
}

// domainState returns sub-statuses that fit a status.
func domainState(r *mrand.Rand, st models.Status) (models.SetupMode, string, models.DNSStatus, models.SSLStatus, string) {
	modes := []models.SetupMode{models.SetupSelf, models.SetupManual, models.SetupForwardLogin}
	setup := modes[r.IntN(len(modes))]
	sid := fmt.Sprintf("DN%032x", r.Uint64())
	switch st {
	case models.StatusPending:
		return models.SetupNone, "", models.DNSNotStarted, models.SSLNone, ""
	case models.StatusAwaitingClient:
		return setup, "waiting for the client to create the CNAME", models.DNSNotStarted, models.SSLNone, ""
	case models.StatusDNSPending:
		return setup, "", models.DNSPropagating, models.SSLNone, ""
	case models.StatusAwaitingDomainSID:
		return setup, "", models.DNSVerified, models.SSLNone, ""
	case models.StatusSSLPending:
		return setup, "", models.DNSVerified, models.SSLPendingValidation, sid
	case models.StatusFailed:
		return setup, "CNAME not found after 72 hours", models.DNSFailed, models.SSLNone, ""
	case models.StatusArchived, models.StatusDeclined:
		return setup, "closed by the operator", models.DNSVerified, models.SSLNone, sid
	default: // configured, reached_limit, blocked, under_review
		return setup, "", models.DNSVerified, models.SSLActive, sid
	}
}
