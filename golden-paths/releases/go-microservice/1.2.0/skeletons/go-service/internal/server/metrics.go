package server

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Metrics collects the platform's standard HTTP metrics and writes them in the
// Prometheus text exposition format (version 0.0.4), without a client library:
//
//	http_requests_total{method,route,code}          counter
//	http_request_duration_seconds{method,route}     histogram
//	http_requests_in_flight                         gauge
//	service_build_info{service,version,goversion}   gauge, always 1
//	process_start_time_seconds, go_goroutines       gauges
//
// The SLO alerts and the dashboard in monitoring/ are written against these names.
type Metrics struct {
	service, version string
	start            time.Time
	inFlight         atomic.Int64

	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[routeKey]*histogram
}

type routeKey struct{ method, route string }

type requestKey struct {
	routeKey
	code int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    float64
}

// latencyBuckets are the histogram's upper bounds in seconds (Prometheus' defaults).
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// NewMetrics returns an empty collector for the named service.
func NewMetrics(service, version string) *Metrics {
	return &Metrics{
		service:  service,
		version:  version,
		start:    time.Now(),
		requests: make(map[requestKey]uint64),
		latency:  make(map[routeKey]*histogram),
	}
}

// Observe records one finished request.
func (m *Metrics) Observe(method, route string, code int, d time.Duration) {
	key := routeKey{method, route}
	seconds := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{key, code}]++
	h, ok := m.latency[key]
	if !ok {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.latency[key] = h
	}
	for i, le := range latencyBuckets {
		if seconds <= le {
			h.counts[i]++
			break
		}
	}
	h.count++
	h.sum += seconds
}

// Expose writes every metric to w, sorted so the output is stable.
func (m *Metrics) Expose(w io.Writer) error {
	b := bufio.NewWriter(w)

	m.mu.Lock()
	reqKeys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		reqKeys = append(reqKeys, k)
	}
	slices.SortFunc(reqKeys, func(a, b requestKey) int {
		if c := compareRoute(a.routeKey, b.routeKey); c != 0 {
			return c
		}
		return a.code - b.code
	})
	fmt.Fprintln(b, "# HELP http_requests_total HTTP requests served, by method, route and status code.")
	fmt.Fprintln(b, "# TYPE http_requests_total counter")
	for _, k := range reqKeys {
		fmt.Fprintf(b, "http_requests_total{method=%s,route=%s,code=\"%d\"} %d\n",
			quote(k.method), quote(k.route), k.code, m.requests[k])
	}

	latKeys := make([]routeKey, 0, len(m.latency))
	for k := range m.latency {
		latKeys = append(latKeys, k)
	}
	slices.SortFunc(latKeys, compareRoute)
	fmt.Fprintln(b, "# HELP http_request_duration_seconds Time to serve HTTP requests, by method and route.")
	fmt.Fprintln(b, "# TYPE http_request_duration_seconds histogram")
	for _, k := range latKeys {
		h := m.latency[k]
		labels := "method=" + quote(k.method) + ",route=" + quote(k.route)
		var cumulative uint64
		for i, le := range latencyBuckets {
			cumulative += h.counts[i]
			fmt.Fprintf(b, "http_request_duration_seconds_bucket{%s,le=\"%s\"} %d\n", labels, formatFloat(le), cumulative)
		}
		fmt.Fprintf(b, "http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, h.count)
		fmt.Fprintf(b, "http_request_duration_seconds_sum{%s} %s\n", labels, formatFloat(h.sum))
		fmt.Fprintf(b, "http_request_duration_seconds_count{%s} %d\n", labels, h.count)
	}
	m.mu.Unlock()

	fmt.Fprintln(b, "# HELP http_requests_in_flight HTTP requests being served.")
	fmt.Fprintln(b, "# TYPE http_requests_in_flight gauge")
	fmt.Fprintf(b, "http_requests_in_flight %d\n", m.inFlight.Load())
	fmt.Fprintln(b, "# HELP service_build_info Build information; the value is always 1.")
	fmt.Fprintln(b, "# TYPE service_build_info gauge")
	fmt.Fprintf(b, "service_build_info{service=%s,version=%s,goversion=%s} 1\n",
		quote(m.service), quote(m.version), quote(runtime.Version()))
	fmt.Fprintln(b, "# HELP process_start_time_seconds Start time of the process since the Unix epoch, in seconds.")
	fmt.Fprintln(b, "# TYPE process_start_time_seconds gauge")
	fmt.Fprintf(b, "process_start_time_seconds %s\n", formatFloat(float64(m.start.UnixNano())/1e9))
	fmt.Fprintln(b, "# HELP go_goroutines Number of goroutines that currently exist.")
	fmt.Fprintln(b, "# TYPE go_goroutines gauge")
	fmt.Fprintf(b, "go_goroutines %d\n", runtime.NumGoroutine())
	return b.Flush()
}

func compareRoute(a, b routeKey) int {
	if c := strings.Compare(a.route, b.route); c != 0 {
		return c
	}
	return strings.Compare(a.method, b.method)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// quote renders a label value: backslash, double quote and newline are escaped.
func quote(v string) string { return `"` + labelEscaper.Replace(v) + `"` }

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
