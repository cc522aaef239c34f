package workflows

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkgate/linkgate/models"
)

// webhookMetrics are the delivery metrics: attempts by what they left the
// delivery in, their latency, and the deliveries still due (read at
// scrape).
type webhookMetrics struct {
	attempts *prometheus.CounterVec
	latency  prometheus.Histogram
}

func newWebhookMetrics(reg prometheus.Registerer, store *models.Store) (*webhookMetrics, error) {
	m := &webhookMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "linkgate_webhook_attempts_total",
			Help: "Webhook delivery attempts by the delivery's status after the attempt (succeeded, retrying, failed).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "linkgate_webhook_attempt_duration_seconds",
			Help:    "Webhook delivery attempt latency, request to the end of the kept answer.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15},
		}),
	}
	if reg == nil {
		return m, nil
	}
	due := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "linkgate_webhook_deliveries_due",
		Help: "Webhook deliveries not yet finished (pending or retrying).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := store.CountDueWebhookDeliveries(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	for _, c := range []prometheus.Collector{m.attempts, m.latency, due} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
