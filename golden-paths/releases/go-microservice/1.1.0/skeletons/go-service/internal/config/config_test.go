package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	defaults := Config{
		Port:            DefaultPort,
		LogLevel:        slog.LevelInfo,
		DrainDelay:      5 * time.Second,
		ShutdownTimeout: 20 * time.Second,
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr []string
	}{
		{name: "defaults", env: nil, want: defaults},
		{
			name: "overrides",
			env:  map[string]string{"PORT": "9090", "LOG_LEVEL": "debug", "DRAIN_DELAY": "0s", "SHUTDOWN_TIMEOUT": "1m"},
			want: Config{Port: 9090, LogLevel: slog.LevelDebug, DrainDelay: 0, ShutdownTimeout: time.Minute},
		},
		{name: "log level is case-insensitive", env: map[string]string{"LOG_LEVEL": "WARN"},
			want: func() Config { c := defaults; c.LogLevel = slog.LevelWarn; return c }()},
		{name: "port not a number", env: map[string]string{"PORT": "http"}, wantErr: []string{"PORT"}},
		{name: "port out of range", env: map[string]string{"PORT": "70000"}, wantErr: []string{"PORT"}},
		{name: "unknown log level", env: map[string]string{"LOG_LEVEL": "loud"}, wantErr: []string{"LOG_LEVEL"}},
		{
			name:    "every error is reported",
			env:     map[string]string{"DRAIN_DELAY": "soon", "SHUTDOWN_TIMEOUT": "-1s"},
			wantErr: []string{"DRAIN_DELAY", "SHUTDOWN_TIMEOUT"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("Load() = %+v, want an error", got)
				}
				for _, name := range tt.wantErr {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("error %q does not name %s", err, name)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("Load() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
