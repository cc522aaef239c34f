package redirect

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/linkgate/linkgate/journal"
	"github.com/linkgate/linkgate/models"
)

// commitEvery is how often the ingester tells the journal how far the
// database has the clicks (a checkpoint costs fsyncs; a click stored but
// not yet checkpointed is only stored again, and skipped, after a crash).
const commitEvery = 250 * time.Millisecond

// ingest moves the journal's clicks into the database: batches of up to
// cfg.IngestBatch, each stored in one transaction (Store.StoreLinkVisits:
// the click rows, link.clicked events and campaign stats). A batch that
// fails is tried again until it is stored; the journal's position is
// committed only after, so what a crash interrupts is stored at the next
// start, once (the clicks' ids are given before the answer).
func (r *Redirector) ingest(ctx context.Context) {
	var stored journal.Position
	pending := false
	// The clicks an earlier process left may be stored already.
	replayed := r.journal.Backlog()
	lastCommit := time.Now()
	commit := func() {
		if !pending {
			return
		}
		if err := r.journal.Commit(stored); err != nil {
			r.cfg.Logger.Error("redirect: committing the click journal", slog.String("error", err.Error()))
			return
		}
		pending, lastCommit = false, time.Now()
	}
	for {
		// Wait for clicks; with some stored but not committed, only until
		// it is time to commit (or Flush asks).
		var readCtx context.Context
		var cancel context.CancelFunc
		if pending {
			readCtx, cancel = context.WithDeadline(ctx, lastCommit.Add(commitEvery))
		} else {
			readCtx, cancel = context.WithCancel(ctx)
		}
		r.interrupt.Store(&cancel)
		recs, pos, err := r.journal.Read(readCtx, r.cfg.IngestBatch)
		cancel()
		if err != nil {
			commit()
			if ctx.Err() != nil || errors.Is(err, journal.ErrClosed) {
				return
			}
			if readCtx.Err() == nil {
				r.cfg.Logger.Error("redirect: reading the click journal", slog.String("error", err.Error()))
				return
			}
			continue
		}
		visits := make([]models.LinkVisit, 0, len(recs))
		for _, rec := range recs {
			v, err := decodeVisit(rec)
			if err != nil {
				r.cfg.Logger.Error("redirect: skipping a click record", slog.String("error", err.Error()))
				continue
			}
			visits = append(visits, v)
		}
		for wait := 50 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			_, err := r.cfg.Store.StoreLinkVisits(context.WithoutCancel(ctx), visits, r.cfg.ScanWindow, replayed > 0)
			if err == nil {
				break
			}
			r.cfg.Logger.Error("redirect: storing clicks (will retry)", slog.Int("clicks", len(visits)), slog.String("error", err.Error()))
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				commit()
				return // the rest is stored at the next start
			case <-t.C:
			}
		}
		stored, pending = pos, true
		replayed -= int64(len(recs))
		if time.Since(lastCommit) >= commitEvery {
			commit()
		}
		if len(recs) < r.cfg.IngestBatch && r.cfg.IngestGather > 0 {
			// Let the next batch gather (Flush or the end cuts it short):
			// a transaction per handful of clicks costs each click a
			// commit's writes.
			waitCtx, cancel := context.WithTimeout(ctx, r.cfg.IngestGather)
			r.interrupt.Store(&cancel)
			<-waitCtx.Done()
			cancel()
		}
	}
}

// Flush waits until every click answered so far is in the database (and
// the journal knows), or ctx ends.
func (r *Redirector) Flush(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for r.journal.Backlog() > 0 {
		if c := r.interrupt.Load(); c != nil {
			(*c)() // commit now rather than at the next tick
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
