package redirect

import (
	"context"
	"strings"

	"github.com/linkgate/linkgate/models"
)

// lookup is one ref the link cache did not hold, waiting for its batch.
type lookup struct {
	ref, host string
	done      chan found // buffered: the batch never blocks on it
}

// found is what a lookup's batch found.
type found struct {
	url string // "" when the ref is unknown on this host
	err error
}

// lookups finds refs in the database in batches: each of its workers
// takes the lookups waiting (up to max) and finds them in one query.
type lookups struct {
	store *models.Store
	max   int
	in    chan *lookup
}

// run is one worker; it returns when ctx ends, answering what is queued.
func (l *lookups) run(ctx context.Context) {
	batch := make([]*lookup, 0, l.max)
	for {
		var v *lookup
		select {
		case v = <-l.in:
		case <-ctx.Done():
			for {
				select {
				case v := <-l.in:
					l.find(context.Background(), []*lookup{v})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], v)
	fill:
		for len(batch) < l.max {
			select {
			case v := <-l.in:
				batch = append(batch, v)
			default:
				break fill
			}
		}
		l.find(context.WithoutCancel(ctx), batch)
	}
}

func (l *lookups) find(ctx context.Context, batch []*lookup) {
	refs := make([]string, len(batch))
	for i, v := range batch {
		refs[i] = v.ref
	}
	targets, err := l.store.LookupLinks(ctx, refs)
	for _, v := range batch {
		if err != nil {
			v.done <- found{err: err}
			continue
		}
		// A ref answers only on the host it was made for.
		if t, ok := targets[v.ref]; ok && strings.EqualFold(t.Host, v.host) {
			v.done <- found{url: t.URL}
		} else {
			v.done <- found{}
		}
	}
}
