package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// Locked lets one fn per key run at a time: many goroutines doing a
// read-modify-write on a plain counter under one key lose no update.
// A second key is not held up by the first (proved with a barrier: the
// first key's holder waits until the second key's fn has run).
func TestLockedSerialisesPerKey(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		store := models.NewStore(db, nil)
		ctx := context.Background()
		counter := 0
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				if err := store.Locked(ctx, "test:counter", func(context.Context) error {
					v := counter
					time.Sleep(time.Millisecond) // widen the window a lost update needs
					counter = v + 1
					return nil
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if counter != 40 {
			t.Fatalf("counter = %d after 40 locked increments", counter)
		}

		otherRan := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- store.Locked(ctx, "test:first", func(context.Context) error {
				select {
				case <-otherRan:
					return nil
				case <-time.After(20 * time.Second):
					return errors.New("the other key waited for this one")
				}
			})
		}()
		if err := store.Locked(ctx, "test:second-key", func(context.Context) error { close(otherRan); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// A unique violation is a 409 "duplicate" on both engines, never a 500.
func TestTranslateErrorUniqueViolation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		row := models.SandboxState{Name: "twice", Data: []byte("{}"), UpdatedAt: time.Now()}
		if err := db.Gorm.Create(&row).Error; err != nil {
			t.Fatal(err)
		}
		err := models.TranslateError(db.Gorm.Create(&row).Error)
		var e *models.Error
		if !errors.As(err, &e) || e.Kind != models.KindConflict || e.Code != "duplicate" {
			t.Fatalf("duplicate insert: %v, want a Conflict with code duplicate", err)
		}
		if other := errors.New("boom"); models.TranslateError(other) != other {
			t.Error("another error was translated")
		}
	})
}
