package server

import (
	"github.com/wagate/wagate/sessions"

	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wagate/wagate/engines"
)

type metrics struct {
	gatherer prometheus.Gatherer
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// connRefused counts connections refused for being over the per-client limit.
	connRefused prometheus.Counter
}

func newMetrics(reg *prometheus.Registry, m *sessions.Manager) (*metrics, error) {
	mt := &metrics{
		gatherer: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wagate_http_requests_total", Help: "HTTP requests by operation, method and status.",
		}, []string{"operation", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wagate_http_request_duration_seconds", Help: "HTTP request latency by operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		connRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wagate_http_connections_refused_total", Help: "Connections refused because their client address had too many open.",
		}),
	}
	sessions := &sessionsCollector{m: m, desc: prometheus.NewDesc(
		"wagate_sessions", "Sessions by engine and status.", []string{"engine", "status"}, nil)}
	cs := []prometheus.Collector{mt.requests, mt.duration, mt.connRefused, sessions}
	if m.Clustered() {
		// A replica's own leases; the cluster's sum is the sum over replicas.
		cs = append(cs,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wagate_lease_sessions_owned", Help: "Sessions whose lease this replica holds."},
				func() float64 { return float64(m.LeaseState().Owned) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wagate_lease_healthy", Help: "1 when this replica renewed its leases in time, else 0."},
				func() float64 {
					if m.LeaseState().Healthy {
						return 1
					}
					return 0
				}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wagate_lease_last_renewal_timestamp_seconds", Help: "When this replica last renewed its leases."},
				func() float64 {
					t := m.LeaseState().LastRenew
					if t.IsZero() {
						return 0
					}
					return float64(t.UnixMilli()) / 1000
				}),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "wagate_lease_lost_total", Help: "Sessions stopped here because their lease was lost or not renewed in time."},
				func() float64 { return float64(m.LeaseState().Lost) }),
		)
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return mt, nil
}

func (m *metrics) observe(op, method string, status int, d time.Duration) {
	if op == "" {
		op = "unknown"
	}
	m.requests.WithLabelValues(op, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(op).Observe(d.Seconds())
}

// sessionsCollector counts sessions at scrape time, so the gauge never goes stale.
type sessionsCollector struct {
	m    *sessions.Manager
	desc *prometheus.Desc
}

func (c *sessionsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sessionsCollector) Collect(ch chan<- prometheus.Metric) {
	type key struct {
		engine engines.Name
		status engines.Status
	}
	counts := map[key]int{}
	for _, s := range c.m.Snapshot() {
		if s.Local { // another replica counts the sessions it runs
			counts[key{s.Engine, s.Status}]++
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), string(k.engine), string(k.status))
	}
}
