package server

import (
	"strings"
	"testing"
	"time"
)

func TestMetricsHistogram(t *testing.T) {
	m := NewMetrics("svc", "v1")
	for _, d := range []time.Duration{3 * time.Millisecond, 40 * time.Millisecond, 2 * time.Second, 30 * time.Second} {
		m.Observe("GET", "/items", 200, d)
	}
	m.Observe("GET", "/items", 500, time.Millisecond)

	var out strings.Builder
	if err := m.Expose(&out); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, line string
	}{
		{"counter per status", `http_requests_total{method="GET",route="/items",code="200"} 4`},
		{"counter for errors", `http_requests_total{method="GET",route="/items",code="500"} 1`},
		{"first bucket", `http_request_duration_seconds_bucket{method="GET",route="/items",le="0.005"} 2`},
		{"buckets are cumulative", `http_request_duration_seconds_bucket{method="GET",route="/items",le="0.05"} 3`},
		{"last finite bucket", `http_request_duration_seconds_bucket{method="GET",route="/items",le="10"} 4`},
		{"+Inf bucket counts all", `http_request_duration_seconds_bucket{method="GET",route="/items",le="+Inf"} 5`},
		{"count", `http_request_duration_seconds_count{method="GET",route="/items"} 5`},
		{"sum", `http_request_duration_seconds_sum{method="GET",route="/items"} 32.044`},
		{"build info", `service_build_info{service="svc",version="v1",goversion="go`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(out.String(), tt.line) {
				t.Errorf("exposition lacks %q:\n%s", tt.line, out.String())
			}
		})
	}
}

func TestMetricsExpositionFormat(t *testing.T) {
	m := NewMetrics("svc", "v1")
	m.Observe("GET", `/odd"route\`+"\n", 200, time.Millisecond)
	var out strings.Builder
	if err := m.Expose(&out); err != nil {
		t.Fatal(err)
	}
	if want := `route="/odd\"route\\\n"`; !strings.Contains(out.String(), want) {
		t.Errorf("label value not escaped, want %s in:\n%s", want, out.String())
	}
	typed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			typed[strings.Fields(name)[0]] = true
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		if !typed[name] && !typed[base] {
			t.Errorf("sample %q has no preceding # TYPE line", line)
		}
		if fields := strings.Fields(line); len(fields) < 2 {
			t.Errorf("sample %q has no value", line)
		}
	}
}
