package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/shortlink"
)

// BenchmarkTrackMessages (issue 16, "Performance"): rewrite throughput of
// a 2-link message, as a campaign sends it (50 messages per transaction,
// each its own refs, stored), next to the rewrite alone in the same run.
// Reports messages per second.
func BenchmarkTrackMessages(b *testing.B) {
	body := "Spring sale! 20% off https://acme.com/spring?utm=sms and our shop https://shop.acme.com/x. Reply STOP to opt out"
	const batch = 50
	b.Run("rewrite-only", func(b *testing.B) {
		n := 0
		for b.Loop() {
			p := shortlink.Prepare(body, false)
			refs := make([]string, len(p.URLs))
			for i := range refs {
				refs[i] = shortlink.NewRef(shortlink.RefLength)
			}
			if _, err := p.Apply("dyn.co", refs); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
	})
	for _, eng := range dbtest.BenchEngines() {
		b.Run(eng.Name+"/stored", func(b *testing.B) {
			ctx := context.Background()
			s := models.NewStore(eng.Open(b), nil)
			s.SetTrackingDomain("dyn.co")
			if err := s.PrepareHot(ctx); err != nil { // as linkgate serve does
				b.Fatal(err)
			}
			cl, err := s.CreateClient(ctx, models.ClientInput{Name: "Bench", Email: "bench@acme.com"})
			if err != nil {
				b.Fatal(err)
			}
			msgs := make([]models.MessageToTrack, batch)
			for i := range msgs {
				msgs[i] = models.MessageToTrack{Body: body}
			}
			n := 0
			for b.Loop() {
				if _, err := s.TrackMessages(ctx, cl.ID, models.TrackingAll, msgs); err != nil {
					b.Fatal(err)
				}
				n += batch
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkStoreLinkVisits: the redirector's ingest (issue 16): batches
// of 1,024 clicks from its journal stored in one transaction each, for
// links this process made (in the cache of fresh links: "cached") and
// for links it did not ("read": each batch reads its links first).
// Reports clicks per second and wall time per click.
func BenchmarkStoreLinkVisits(b *testing.B) {
	const batch, links = 1024, 32 * 1024
	body := "Sale https://acme.com/a"
	for _, eng := range dbtest.BenchEngines() {
		for _, cached := range []bool{true, false} {
			name := eng.Name + "/read"
			if cached {
				name = eng.Name + "/cached"
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				s := models.NewStore(eng.Open(b), nil)
				s.SetTrackingDomain("dyn.co")
				if !cached {
					s.SetLinkCache(0, 0)
				}
				if err := s.PrepareHot(ctx); err != nil {
					b.Fatal(err)
				}
				cl, err := s.CreateClient(ctx, models.ClientInput{Name: "Bench", Email: "bench@acme.com"})
				if err != nil {
					b.Fatal(err)
				}
				msgs := make([]models.MessageToTrack, 512)
				for i := range msgs {
					msgs[i] = models.MessageToTrack{Body: body}
				}
				var refs []string
				for len(refs) < links {
					out, err := s.TrackMessages(ctx, cl.ID, models.TrackingAll, msgs)
					if err != nil {
						b.Fatal(err)
					}
					for _, o := range out {
						refs = append(refs, o.Links[0].Ref)
					}
				}
				visits := make([]models.LinkVisit, batch)
				n := 0
				for b.Loop() {
					now := time.Now()
					for i := range visits {
						visits[i] = models.LinkVisit{ID: models.NewLinkClickID(now), Ref: refs[(n+i)%len(refs)], Host: "dyn.co",
							Method: "GET", UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", At: now}
					}
					stored, err := s.StoreLinkVisits(ctx, visits, 0, false)
					if err != nil || stored != batch {
						b.Fatalf("StoreLinkVisits = %d, %v", stored, err)
					}
					n += batch
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "clicks/s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/click")
			})
		}
	}
}
