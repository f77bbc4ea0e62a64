// Package database owns the service's PostgreSQL connection: configuration from the
// environment, the database/sql pool (pgx driver), the readiness check, and the SQL
// migrations embedded in the binary and applied at startup.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// driverName is the database/sql driver registered by driver.go.
const driverName = "pgx"

// Config is the database configuration.
type Config struct {
	// URL is the connection string (DATABASE_URL), e.g.
	// postgres://user:password@host:5432/name?sslmode=require.
	URL string
	// MaxOpenConns bounds the pool per process (DB_MAX_OPEN_CONNS).
	MaxOpenConns int
	// ConnMaxLifetime recycles connections, e.g. after a failover (DB_CONN_MAX_LIFETIME).
	ConnMaxLifetime time.Duration
}

// ConfigFromEnv reads the configuration through getenv.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{URL: getenv("DATABASE_URL"), MaxOpenConns: 10, ConnMaxLifetime: 30 * time.Minute}
	var errs []error
	if cfg.URL == "" {
		errs = append(errs, errors.New("DATABASE_URL is not set"))
	}
	if v := getenv("DB_MAX_OPEN_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("DB_MAX_OPEN_CONNS=%q: want a positive number", v))
		}
		cfg.MaxOpenConns = n
	}
	if v := getenv("DB_CONN_MAX_LIFETIME"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("DB_CONN_MAX_LIFETIME=%q: want a positive duration such as 30m", v))
		}
		cfg.ConnMaxLifetime = d
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Open creates the connection pool and checks that the database answers.
func Open(ctx context.Context, cfg Config) (*sql.DB, error) {
	db, err := sql.Open(driverName, cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxOpenConns)
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	db.SetConnMaxIdleTime(5 * time.Minute)

	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return db, nil
}
