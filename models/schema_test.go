package models_test

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// schemaModels are the GORM models whose tables the migrations create.
var schemaModels = []any{
	&models.Client{}, &models.User{}, &models.APIKey{}, &models.Domain{}, &models.DomainEvent{}, &models.SandboxState{}, &models.DNSCredential{}, &models.DomainMessagingService{}, &models.Registration{}, &models.Session{}, &models.PasswordReset{}, &models.Pool{}, &models.PoolDomain{},
	&models.Originator{}, &models.OptOut{},
	&models.WebhookEndpoint{}, &models.WebhookEvent{}, &models.WebhookDelivery{}, &models.WebhookAttempt{},
	&models.Campaign{}, &models.CampaignVariant{}, &models.CampaignRecipient{}, &models.CampaignEvent{},
	&models.CampaignStatsRow{}, &models.CampaignDomainStatsRow{}, &models.Click{},
}

// typeFamily classifies a Go field type as the family of SQL types it must
// be stored in.
func typeFamily(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(time.Time{}) {
		return "time"
	}
	if t == reflect.TypeOf([]byte(nil)) {
		return "bytes"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Bool:
		return "bool"
	}
	return "unknown:" + t.String()
}

// columnFamily classifies a database column type (as the GORM migrator
// reports it) into the same families, per engine.
func columnFamily(d models.Dialect, dbType string) string {
	t := strings.ToLower(strings.TrimSpace(dbType))
	switch d {
	case models.Postgres:
		switch t {
		case "text", "varchar", "character varying":
			return "string"
		case "int2", "int4", "int8", "integer", "bigint", "smallint":
			return "int"
		case "timestamptz", "timestamp with time zone":
			return "time"
		case "bool", "boolean":
			return "bool"
		case "bytea":
			return "bytes"
		}
	case models.SQLite:
		switch t {
		case "text":
			return "string"
		case "integer", "bigint":
			return "int"
		case "datetime":
			return "time"
		case "boolean":
			return "bool"
		case "blob":
			return "bytes"
		}
	}
	return "unknown:" + t
}

// TestModelsMatchMigratedSchema proves that every model field is a column,
// every column is a field, and that their nullability and type family agree
// (DESIGN §2: "A test proves the models and the migrated schema agree").
func TestModelsMatchMigratedSchema(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		for _, m := range schemaModels {
			sch, err := schema.Parse(m, &sync.Map{}, db.Gorm.NamingStrategy)
			if err != nil {
				t.Fatalf("parse %T: %v", m, err)
			}
			t.Run(sch.Table, func(t *testing.T) {
				cols, err := db.Gorm.Migrator().ColumnTypes(m)
				if err != nil {
					t.Fatalf("column types of %s: %v", sch.Table, err)
				}
				if len(cols) == 0 {
					t.Fatalf("table %s has no columns (missing from the migrations?)", sch.Table)
				}
				byName := map[string]int{}
				var colNames []string
				for i, c := range cols {
					byName[c.Name()] = i
					colNames = append(colNames, c.Name())
				}
				fieldNames := slices.Clone(sch.DBNames)
				sort.Strings(fieldNames)
				sort.Strings(colNames)
				if !slices.Equal(fieldNames, colNames) {
					t.Errorf("%s: model columns %v, table columns %v", sch.Table, fieldNames, colNames)
				}
				var fieldPK []string
				for _, f := range sch.PrimaryFields {
					fieldPK = append(fieldPK, f.DBName)
				}

				for _, name := range sch.DBNames {
					f := sch.FieldsByDBName[name]
					i, ok := byName[name]
					if !ok {
						continue // reported above
					}
					c := cols[i]

					pointer := f.FieldType.Kind() == reflect.Pointer
					nullable, ok := c.Nullable()
					if !ok {
						t.Errorf("%s.%s: the migrator cannot tell nullability", sch.Table, name)
					} else if pointer != nullable {
						t.Errorf("%s.%s: field %s is %s but the column is nullable=%v",
							sch.Table, name, f.Name, f.FieldType, nullable)
					}
					if f.NotNull && nullable {
						t.Errorf("%s.%s: tagged not null but the column is nullable", sch.Table, name)
					}

					want := typeFamily(f.FieldType)
					got := columnFamily(db.Dialect, c.DatabaseTypeName())
					if want != got {
						t.Errorf("%s.%s: field %s (%s, %s) stored in a %q column (%s)",
							sch.Table, name, f.Name, f.FieldType, want, c.DatabaseTypeName(), got)
					}

					if pk, ok := c.PrimaryKey(); ok && pk != slices.Contains(fieldPK, name) {
						t.Errorf("%s.%s: primary key in table=%v, in model=%v", sch.Table, name, pk, !pk)
					}
				}
			})
		}
	})
}

// schemaVersions returns the versions recorded in schema_migrations.
func schemaVersions(t *testing.T, db *models.DB) []int {
	t.Helper()
	rows, err := db.SQL.QueryContext(context.Background(), "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func migrationVersions(t *testing.T, d models.Dialect) ([]int, []string) {
	t.Helper()
	migs, err := models.Migrations(d)
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	if len(migs) == 0 {
		t.Fatalf("no embedded migrations for %s", d)
	}
	var vs []int
	var names []string
	for _, m := range migs {
		vs = append(vs, m.Version)
		names = append(names, m.Name)
	}
	return vs, names
}

func TestMigrationsSameVersionsOnBothEngines(t *testing.T) {
	pv, _ := migrationVersions(t, models.Postgres)
	sv, _ := migrationVersions(t, models.SQLite)
	if !slices.Equal(pv, sv) {
		t.Fatalf("postgres migrations %v, sqlite migrations %v", pv, sv)
	}
	for i := 1; i < len(pv); i++ {
		if pv[i] <= pv[i-1] {
			t.Fatalf("versions not strictly increasing: %v", pv)
		}
	}
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		// dbtest has migrated once already.
		wantVersions, _ := migrationVersions(t, db.Dialect)
		if got := schemaVersions(t, db); !slices.Equal(got, wantVersions) {
			t.Fatalf("after the first run schema_migrations = %v, want %v", got, wantVersions)
		}
		for i := range 2 {
			names, err := models.Migrate(context.Background(), db)
			if err != nil {
				t.Fatalf("migrate again (%d): %v", i, err)
			}
			if len(names) != 0 {
				t.Fatalf("migrate again (%d) applied %v, want nothing", i, names)
			}
		}
		if got := schemaVersions(t, db); !slices.Equal(got, wantVersions) {
			t.Fatalf("after re-running schema_migrations = %v, want %v", got, wantVersions)
		}
	})
}

func TestMigrateFreshSQLiteReturnsAllNames(t *testing.T) {
	ctx := context.Background()
	db, err := models.Open(ctx, models.DBConfig{SQLitePath: t.TempDir() + "/fresh.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, wantNames := migrationVersions(t, models.SQLite)
	got, err := models.Migrate(ctx, db)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !slices.Equal(got, wantNames) {
		t.Fatalf("first migrate applied %v, want %v", got, wantNames)
	}
}

// TestMigrateConcurrentPostgres starts four "replicas" together on one empty
// schema: the advisory lock must make exactly one of them apply the
// migrations, and all must succeed.
func TestMigrateConcurrentPostgres(t *testing.T) {
	url := dbtest.PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, wantNames := migrationVersions(t, models.Postgres)
	wantVersions, _ := migrationVersions(t, models.Postgres)

	const n = 4
	dbs := make([]*models.DB, n)
	for i := range dbs {
		db, err := models.Open(ctx, models.DBConfig{DatabaseURL: url})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		t.Cleanup(func() { _ = db.Close() })
		dbs[i] = db
	}

	results := make([][]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = models.Migrate(ctx, dbs[i])
		}()
	}
	close(start)
	wg.Wait()

	appliedBy := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("replica %d: %v", i, errs[i])
			continue
		}
		switch {
		case len(results[i]) == 0:
		case slices.Equal(results[i], wantNames):
			appliedBy++
		default:
			t.Errorf("replica %d applied %v, want all of %v or nothing", i, results[i], wantNames)
		}
	}
	if appliedBy != 1 {
		t.Errorf("%d replicas applied the migrations, want exactly 1 (results %v)", appliedBy, results)
	}
	if got := schemaVersions(t, dbs[0]); !slices.Equal(got, wantVersions) {
		t.Errorf("schema_migrations = %v, want %v", got, wantVersions)
	}
	// The schema is usable by every replica.
	for i, db := range dbs {
		if _, err := models.NewStore(db, nil).ListClients(ctx, models.Scope{}, models.ClientQuery{}); err != nil {
			t.Errorf("replica %d cannot use the schema: %v", i, err)
		}
	}
}
