package webhooks

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics of deliveries and streams. No label names a webhook: URLs may carry
// credentials, and there may be many.
type metrics struct {
	sent      prometheus.Counter
	retried   prometheus.Counter
	failed    prometheus.Counter
	refused   *prometheus.CounterVec
	attempt   prometheus.Histogram
	wsDropped prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, d *dispatcher, h *hub) (*metrics, error) {
	m := &metrics{
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wagate_webhook_sent_total", Help: "Webhook deliveries the receiver accepted (2xx).",
		}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wagate_webhook_retried_total", Help: "Failed webhook attempts that will be tried again.",
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wagate_webhook_failed_total", Help: "Webhook deliveries that failed every attempt (kept as failed in the outbox).",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wagate_webhook_refused_total",
			Help: "Webhook deliveries refused before enqueueing, by reason: body_too_large, too_many_pending, store.",
		}, []string{"reason"}),
		attempt: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "wagate_webhook_attempt_duration_seconds", Help: "Time from sending a webhook request to its answer.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		wsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wagate_ws_dropped_total", Help: "Websocket clients disconnected for not keeping up with the event stream.",
		}),
	}
	for _, r := range []string{"body_too_large", "too_many_pending", "store"} {
		m.refused.WithLabelValues(r)
	}
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wagate_webhook_pending", Help: "Webhook deliveries waiting for an attempt or a retry.",
	}, func() float64 { return float64(d.pendingTotal()) })
	clients := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wagate_ws_clients", Help: "Websocket clients connected to the event stream.",
	}, func() float64 { return float64(h.count()) })
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.sent, m.retried, m.failed, m.refused, m.attempt, m.wsDropped, pending, clients} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
