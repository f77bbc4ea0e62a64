package server

import (
	"context"
	"net/http"
	"sync"
)

// handleIndex describes the service.
func (s *Server) handleIndex(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"service": s.opts.Name, "version": s.opts.Version})
}

// handleHealthz is the liveness probe: the process is up and can serve HTTP.
// It checks no dependency, so a database outage never restarts the pods.
func (s *Server) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the body of a /readyz answer.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// handleReadyz is the readiness probe: every dependency check passes and the
// service is not shutting down. The checks run concurrently.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if s.shuttingDown.Load() {
		writeJSON(w, http.StatusServiceUnavailable, readiness{Status: "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.CheckTimeout)
	defer cancel()

	results := make(map[string]string, len(s.opts.Checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range s.opts.Checks {
		wg.Go(func() {
			result := "ok"
			if err := c.Func(ctx); err != nil {
				result = err.Error()
			}
			mu.Lock()
			results[c.Name] = result
			mu.Unlock()
		})
	}
	wg.Wait()

	body := readiness{Status: "ok", Checks: results}
	status := http.StatusOK
	for _, result := range results {
		if result != "ok" {
			body.Status, status = "unavailable", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, status, body)
}

// handleMetrics serves the Prometheus text exposition format.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if err := s.metrics.Expose(w); err != nil {
		s.opts.Logger.WarnContext(r.Context(), "writing metrics", "error", err)
	}
}

// handleNotFound answers every unknown path.
func (s *Server) handleNotFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
}
