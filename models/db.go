package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/linkgate/linkgate/models/sqlitegorm"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	// The pure-Go SQLite driver, registered as "sqlite".
	msqlite "modernc.org/sqlite"
)

// SQLite's built-in lower() folds ASCII only; search must be
// case-insensitive for every script, as it is on PostgreSQL. This replaces
// lower() on every SQLite connection of the process.
func init() {
	msqlite.MustRegisterDeterministicScalarFunction("lower", 1, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		default:
			return v, nil
		}
	})
}

// Dialect names the database engine behind a DB.
type Dialect string

// The supported engines.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DBConfig says which database to open. With DatabaseURL empty an SQLite
// file linkgate.db in DataDir is used (created if missing).
type DBConfig struct {
	DatabaseURL string // PostgreSQL URL or key=value DSN
	DataDir     string // SQLite: directory of linkgate.db
	SQLitePath  string // SQLite: explicit file path (overrides DataDir); ":memory:" is refused
	Now         func() time.Time
	Logger      *slog.Logger
}

// DB is an opened database: the GORM handle, its engine and the underlying
// *sql.DB (River and the migrator share it).
type DB struct {
	Gorm    *gorm.DB
	SQL     *sql.DB
	Dialect Dialect
	dsn     string    // how to connect again (the campaign change listener)
	stmts   stmtCache // hot statements (prepared.go)
	keys    keyCache  // authenticated API keys (apikey_cache.go)
}

// Open opens the configured database. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg DBConfig) (*DB, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	gcfg := &gorm.Config{
		NowFunc:                func() time.Time { return now().UTC().Truncate(time.Microsecond) },
		Logger:                 logger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
	}
	if cfg.DatabaseURL != "" {
		return openPostgres(ctx, cfg.DatabaseURL, gcfg)
	}
	path := cfg.SQLitePath
	if path == "" {
		dir := cfg.DataDir
		if dir == "" {
			dir = "data"
		}
		if err := PrivateDir(dir); err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "linkgate.db")
	}
	if path != ":memory:" && path != "" {
		if err := privateDBFiles(path); err != nil {
			return nil, err
		}
	}
	return openSQLite(ctx, path, gcfg)
}

// PrivateDir creates dir if missing and makes it mode 0700 whatever the
// umask and however it was made: the data directory holds the database
// and the secret keys.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	return nil
}

// privateDBFiles creates the SQLite file at path with mode 0600 before
// SQLite opens it, and brings an existing one and its -wal and -shm files
// to 0600. SQLite's unix VFS gives the -wal and -shm files it creates the
// database file's mode, so they are 0600 too.
func privateDBFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	return nil
}

func openPostgres(ctx context.Context, dsn string, gcfg *gorm.Config) (*DB, error) {
	dsn = withCustomPlans(dsn)
	g, err := gorm.Open(postgres.New(postgres.Config{DSN: dsn}), gcfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(20)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Dialect: Postgres, dsn: dsn}, nil
}

// withCustomPlans makes PostgreSQL plan every statement with its actual
// values unless the DSN says otherwise. A cached generic plan for a search
// such as "status = $1 AND host LIKE $2" cannot know how selective the
// pattern is, and measured 16–85 ms where a custom plan takes under 1 ms
// (cmd/lgload). The extra planning costs no measurable CPU here.
func withCustomPlans(dsn string) string {
	if strings.Contains(dsn, "plan_cache_mode") {
		return dsn
	}
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn
		}
		q := u.Query()
		q.Set("plan_cache_mode", "force_custom_plan")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " plan_cache_mode=force_custom_plan"
}

func openSQLite(ctx context.Context, path string, gcfg *gorm.Config) (*DB, error) {
	if path == ":memory:" || path == "" {
		return nil, errors.New("sqlite: a file path is required")
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// 64 MiB of page cache for the one connection (SQLite's default is
	// 2 MiB): the redirector's and the API's lookups stay in memory
	// instead of reading pages through the operating system.
	q.Add("_pragma", "cache_size(-65536)")
	q.Set("_txlock", "immediate")
	// The path is part of a URI: escape what would end it early.
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	dsn := "file:" + escaped + "?" + q.Encode()
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One connection: SQLite has one writer, and a single connection makes
	// every statement see the same pragmas and never return SQLITE_BUSY.
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetMaxIdleConns(1)
	sqlDB.SetConnMaxLifetime(0)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", filepath.Base(path), err)
	}
	g, err := gorm.Open(sqlitegorm.New(sqlDB), gcfg)
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Dialect: SQLite, dsn: dsn}, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.SQL.PingContext(ctx)
}

// Close closes the connection pool.
func (db *DB) Close() error {
	db.stopKeyListener()
	return db.SQL.Close()
}
