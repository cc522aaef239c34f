package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// startEngines starts n engines on the PostgreSQL database at url, each
// with its own connection pool of 12 (as n processes would have), the
// first migrating the database and River's tables. Engine i runs with
// base, its Store the one on its own pool and its ClientID
// base.ClientID-i. The engines are stopped and the pools closed at the
// end of tb.
func startEngines(tb testing.TB, url string, n int, base workflows.Config) ([]*models.Store, []*workflows.Engine) {
	tb.Helper()
	ctx := context.Background()
	stores := make([]*models.Store, n)
	engines := make([]*workflows.Engine, n)
	for i := range engines {
		db, err := models.Open(ctx, models.DBConfig{DatabaseURL: url})
		if err != nil {
			tb.Fatal(err)
		}
		db.SQL.SetMaxOpenConns(12)
		tb.Cleanup(func() { _ = db.Close() })
		if i == 0 {
			if _, err := models.Migrate(ctx, db); err != nil {
				tb.Fatal(err)
			}
			if err := workflows.MigrateRiver(ctx, db); err != nil {
				tb.Fatal(err)
			}
		}
		stores[i] = models.NewStore(db, nil)
		cfg := base
		cfg.Store = stores[i]
		cfg.ClientID = fmt.Sprintf("%s-%d", base.ClientID, i)
		e, err := workflows.New(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		if err := e.Start(ctx); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = e.Stop(stopCtx)
		})
		engines[i] = e
	}
	return stores, engines
}
