package server

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"rascore/store"
)

// metrics are what /metrics shows: jobs by state, time per stage, requests by route.
type metrics struct {
	reg      *prometheus.Registry
	stages   *prometheus.HistogramVec
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	results  *prometheus.CounterVec
}

// jobStates are River's job states, each shown even at zero.
var jobStates = []string{"available", "scheduled", "pending", "running", "retryable",
	"completed", "cancelled", "discarded"}

func newMetrics(db *store.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rascore_stage_seconds",
			Help: "Time per stage: upload (whole call), check, read, score, report, overlay, save.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10,
				30},
		}, []string{"stage"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rascore_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rascore_http_request_seconds", Help: "HTTP request time by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rascore_studies_finished_total", Help: "Studies finished, by result status.",
		}, []string{"status"}),
	}
	jobs := prometheus.NewDesc("rascore_jobs", "Scoring jobs by state.", []string{"state"}, nil)
	m.reg.MustRegister(m.stages, m.requests, m.latency, m.results,
		collectors.NewGoCollector(), collectors.NewProcessCollector(
			collectors.ProcessCollectorOpts{}),
		jobCollector{db: db, desc: jobs})
	return m
}

func (m *metrics) stage(name string, d time.Duration) {
	m.stages.WithLabelValues(name).Observe(d.Seconds())
}

func (m *metrics) request(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) finished(status string) { m.results.WithLabelValues(status).Inc() }

// jobCollector counts River's jobs by state at each scrape.
type jobCollector struct {
	db   *store.DB
	desc *prometheus.Desc
}

func (c jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.db.JobStates(ctx)
	if err != nil {
		slog.Warn("count jobs", "err", err)
		return
	}
	for _, st := range jobStates {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue,
			float64(counts[st]), st)
	}
}
