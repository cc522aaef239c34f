package models_test

import (
	"context"
	"testing"

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
