package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlers(t *testing.T) {
	failing := Check{Name: "db", Func: func(context.Context) error { return errors.New("connection refused") }}
	passing := Check{Name: "cache", Func: func(context.Context) error { return nil }}

	tests := []struct {
		name         string
		method, path string
		checks       []Check
		shuttingDown bool
		wantStatus   int
		wantType     string
		wantBody     []string // substrings of the body
	}{
		{name: "index", method: "GET", path: "/", wantStatus: 200, wantType: "application/json",
			wantBody: []string{`"service":"test-service"`, `"version":"1.2.3"`}},
		{name: "healthz", method: "GET", path: "/healthz", wantStatus: 200, wantType: "application/json",
			wantBody: []string{`"status":"ok"`}},
		{name: "healthz ignores failing dependencies", method: "GET", path: "/healthz", checks: []Check{failing},
			wantStatus: 200, wantBody: []string{`"status":"ok"`}},
		{name: "healthz while shutting down", method: "GET", path: "/healthz", shuttingDown: true,
			wantStatus: 200, wantBody: []string{`"status":"ok"`}},
		{name: "readyz without checks", method: "GET", path: "/readyz", wantStatus: 200, wantType: "application/json",
			wantBody: []string{`"status":"ok"`}},
		{name: "readyz with passing checks", method: "GET", path: "/readyz", checks: []Check{passing},
			wantStatus: 200, wantBody: []string{`"status":"ok"`, `"cache":"ok"`}},
		{name: "readyz with a failing check", method: "GET", path: "/readyz", checks: []Check{passing, failing},
			wantStatus: 503, wantBody: []string{`"status":"unavailable"`, `"db":"connection refused"`, `"cache":"ok"`}},
		{name: "readyz while shutting down", method: "GET", path: "/readyz", shuttingDown: true,
			wantStatus: 503, wantBody: []string{`"status":"shutting down"`}},
		{name: "metrics", method: "GET", path: "/metrics", wantStatus: 200, wantType: "text/plain; version=0.0.4; charset=utf-8",
			wantBody: []string{"# TYPE http_requests_total counter", `service_build_info{service="test-service",version="1.2.3"`}},
		{name: "unknown path", method: "GET", path: "/nope", wantStatus: 404, wantType: "application/json",
			wantBody: []string{`"error":"not found"`}},
		{name: "wrong method", method: "POST", path: "/healthz", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := New(Options{Name: "test-service", Version: "1.2.3", Checks: tt.checks})
			if tt.shuttingDown {
				srv.SetShuttingDown()
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))

			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d; body: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantType != "" {
				if got := rec.Header().Get("Content-Type"); got != tt.wantType {
					t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
				}
			}
			for _, want := range tt.wantBody {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("body lacks %q:\n%s", want, rec.Body)
				}
			}
			if tt.wantType == "application/json" && !json.Valid(rec.Body.Bytes()) {
				t.Errorf("body is not JSON: %s", rec.Body)
			}
		})
	}
}

func TestRequestsAreMeasured(t *testing.T) {
	srv := New(Options{Name: "test-service", Version: "dev"})
	for _, path := range []string{"/healthz", "/healthz", "/nope"} {
		srv.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`http_requests_total{method="GET",route="/healthz",code="200"} 2`,
		`http_requests_total{method="GET",route="unmatched",code="404"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/healthz"} 2`,
		"http_requests_in_flight 1", // the /metrics request itself
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, rec.Body)
		}
	}
}

func TestPanicsBecome500(t *testing.T) {
	srv := New(Options{Name: "test-service"})
	h := srv.instrument("/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	var out strings.Builder
	if err := srv.metrics.Expose(&out); err != nil {
		t.Fatal(err)
	}
	if want := `http_requests_total{method="GET",route="/boom",code="500"} 1`; !strings.Contains(out.String(), want) {
		t.Errorf("metrics lack %q:\n%s", want, out.String())
	}
}
