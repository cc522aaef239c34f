package redirect

import (
	"context"
	"time"

	"github.com/linkgate/linkgate/models"
)

// visit is one request waiting for its batch.
type visit struct {
	ref, host, method, userAgent string
	at                           time.Time
	done                         chan outcome // buffered: the batch never blocks on it
}

// outcome is what a visit's batch found.
type outcome struct {
	url   string // the stored URL ("" when the ref is unknown on this host)
	found bool
	err   error // the click could not be stored: nothing may be answered
}

// batcher group-commits clicks: each of its workers takes the visits
// waiting (up to max), finds their refs in one query, stores their clicks
// in one transaction, then answers them all.
type batcher struct {
	store  *models.Store
	window time.Duration
	max    int
	in     chan *visit
}

// run is one worker; it returns when ctx ends and nothing is waiting.
func (b *batcher) run(ctx context.Context) {
	batch := make([]*visit, 0, b.max)
	for {
		var v *visit
		select {
		case v = <-b.in:
		case <-ctx.Done():
			// Answer what is still queued, then stop.
			for {
				select {
				case v := <-b.in:
					b.serve(context.Background(), []*visit{v})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], v)
	fill:
		for len(batch) < b.max {
			select {
			case v := <-b.in:
				batch = append(batch, v)
			default:
				break fill
			}
		}
		b.serve(context.WithoutCancel(ctx), batch)
	}
}

// serve finds and records one batch (one transaction) and answers its
// visits.
func (b *batcher) serve(ctx context.Context, batch []*visit) {
	visits := make([]models.LinkVisit, len(batch))
	for i, v := range batch {
		visits[i] = models.LinkVisit{Ref: v.ref, Host: v.host, Method: v.method, UserAgent: v.userAgent, At: v.at}
	}
	urls, err := b.store.VisitLinks(ctx, visits, b.window)
	if err != nil {
		answerAll(batch, outcome{err: err})
		return
	}
	for i, v := range batch {
		v.done <- outcome{url: urls[i], found: urls[i] != ""}
	}
}

func answerAll(batch []*visit, o outcome) {
	for _, v := range batch {
		v.done <- o
	}
}
