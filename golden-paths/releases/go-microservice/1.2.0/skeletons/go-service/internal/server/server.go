// Package server is the service's HTTP layer: the routes, the probes Kubernetes
// calls (/healthz, /readyz), the Prometheus endpoint (/metrics), and the middleware
// that measures and logs every request. Add API handlers in routes.
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Check is a readiness check of one dependency; Func returns nil when it is usable.
type Check struct {
	Name string
	Func func(ctx context.Context) error
}

// Options configure a Server.
type Options struct {
	Name    string
	Version string
	Logger  *slog.Logger
	// Checks run on every /readyz request, each bounded by CheckTimeout.
	Checks       []Check
	CheckTimeout time.Duration
}

// Server holds the service's HTTP handlers and their shared state.
type Server struct {
	opts         Options
	metrics      *Metrics
	shuttingDown atomic.Bool
	handler      http.Handler
}

// New returns a Server; Handler serves its routes.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CheckTimeout <= 0 {
		opts.CheckTimeout = 2 * time.Second
	}
	s := &Server{opts: opts, metrics: NewMetrics(opts.Name, opts.Version)}
	s.handler = s.routes()
	return s
}

// Handler returns the root HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// SetShuttingDown makes /readyz fail so that no new traffic is routed here.
func (s *Server) SetShuttingDown() { s.shuttingDown.Store(true) }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.handle(mux, "GET /{$}", s.handleIndex)
	s.handle(mux, "GET /healthz", s.handleHealthz)
	s.handle(mux, "GET /readyz", s.handleReadyz)
	s.handle(mux, "GET /metrics", s.handleMetrics)
	// Everything else: a JSON 404, counted under one route label.
	mux.Handle("/", s.instrument("unmatched", http.HandlerFunc(s.handleNotFound)))
	return mux
}

// handle registers h for pattern ("METHOD /path"), measured under the path as route.
func (s *Server) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	_, route, _ := strings.Cut(pattern, " ")
	route = strings.TrimSuffix(route, "{$}")
	mux.Handle(pattern, s.instrument(route, h))
}

// isProbe reports whether route is polled by the platform (logged at debug level only).
func isProbe(route string) bool {
	return route == "/healthz" || route == "/readyz" || route == "/metrics"
}

// instrument counts and times each request, logs it, and turns a panic into a 500.
func (s *Server) instrument(route string, next http.Handler) http.Handler {
	level := slog.LevelInfo
	if isProbe(route) {
		level = slog.LevelDebug
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.metrics.inFlight.Add(1)
		defer func() {
			s.metrics.inFlight.Add(-1)
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.opts.Logger.ErrorContext(r.Context(), "panic serving request", "route", route, "panic", fmt.Sprint(p))
				if !rec.wroteHeader {
					writeJSON(rec, http.StatusInternalServerError, map[string]string{"error": "internal server error"})
				}
				rec.status = http.StatusInternalServerError
			}
			elapsed := time.Since(start)
			s.metrics.Observe(r.Method, route, rec.status, elapsed)
			s.opts.Logger.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Float64("duration_seconds", elapsed.Seconds()),
				slog.String("remote", r.RemoteAddr),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// statusRecorder remembers the status code written through it.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
