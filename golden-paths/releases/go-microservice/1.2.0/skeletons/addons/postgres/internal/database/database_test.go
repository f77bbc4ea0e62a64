package database

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func mustSub(t *testing.T) fs.FS {
	t.Helper()
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr []string
	}{
		{
			name: "defaults",
			env:  map[string]string{"DATABASE_URL": "postgres://db/app"},
			want: Config{URL: "postgres://db/app", MaxOpenConns: 10, ConnMaxLifetime: 30 * time.Minute},
		},
		{
			name: "overrides",
			env:  map[string]string{"DATABASE_URL": "postgres://db/app", "DB_MAX_OPEN_CONNS": "4", "DB_CONN_MAX_LIFETIME": "5m"},
			want: Config{URL: "postgres://db/app", MaxOpenConns: 4, ConnMaxLifetime: 5 * time.Minute},
		},
		{name: "url required", env: nil, wantErr: []string{"DATABASE_URL"}},
		{
			name:    "every error is reported",
			env:     map[string]string{"DB_MAX_OPEN_CONNS": "0", "DB_CONN_MAX_LIFETIME": "forever"},
			wantErr: []string{"DATABASE_URL", "DB_MAX_OPEN_CONNS", "DB_CONN_MAX_LIFETIME"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("ConfigFromEnv() = %+v, want an error", got)
				}
				for _, name := range tt.wantErr {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("error %q does not name %s", err, name)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ConfigFromEnv() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestLoadMigrations(t *testing.T) {
	sql := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []string
		wantErr string
	}{
		{
			name:  "ordered by version, not by name",
			files: fstest.MapFS{"10_c.sql": sql("c"), "2_b.sql": sql("b"), "0001_a.sql": sql("a"), "README.md": sql("")},
			want:  []string{"0001_a.sql", "2_b.sql", "10_c.sql"},
		},
		{name: "bad name", files: fstest.MapFS{"create.sql": sql("")}, wantErr: "0001_create_items.sql"},
		{name: "duplicate version", files: fstest.MapFS{"1_a.sql": sql(""), "0001_b.sql": sql("")}, wantErr: "share version 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadMigrations(tt.files)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadMigrations() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range got {
				names = append(names, m.name)
			}
			if strings.Join(names, ",") != strings.Join(tt.want, ",") {
				t.Errorf("order = %v, want %v", names, tt.want)
			}
		})
	}
}

func TestEmbeddedMigrationsAreValid(t *testing.T) {
	migrations, err := loadMigrations(mustSub(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(migrations) == 0 {
		t.Fatal("no embedded migrations")
	}
}

// TestMigrate runs against a real PostgreSQL when TEST_DATABASE_URL is set (CI
// starts one as a service container); it is skipped otherwise.
func TestMigrate(t *testing.T) {
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		t.Skip("TEST_DATABASE_URL not set")
	}
	ctx := context.Background()
	db, err := Open(ctx, Config{URL: url, MaxOpenConns: 2, ConnMaxLifetime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for range 2 { // the second run must find nothing to do
		if err := Migrate(ctx, db, logger); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	want, _ := loadMigrations(mustSub(t))
	if n != len(want) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(want))
	}
}
