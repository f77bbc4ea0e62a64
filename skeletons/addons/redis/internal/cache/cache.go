// Package cache owns the service's Redis cache (added by add-redis): configuration
// from the environment, the go-redis client, the readiness check, and JSON values with
// a time to live.
package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config is the cache configuration.
type Config struct {
	// URL is the Redis URL (REDIS_URL), e.g. redis://:password@host:6379/0 (rediss:// for TLS).
	URL string
	// Timeout bounds every call: dial, read and write (REDIS_TIMEOUT).
	Timeout time.Duration
	// PoolSize is the number of connections per process (REDIS_POOL_SIZE).
	PoolSize int
}

// ConfigFromEnv reads the configuration through getenv.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{URL: getenv("REDIS_URL"), Timeout: time.Second, PoolSize: 10}
	var errs []error
	if cfg.URL == "" {
		errs = append(errs, errors.New("REDIS_URL is not set"))
	} else if _, err := redis.ParseURL(cfg.URL); err != nil {
		errs = append(errs, fmt.Errorf("REDIS_URL: %w", err))
	}
	if v := getenv("REDIS_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("REDIS_TIMEOUT=%q: want a positive duration such as 1s", v))
		}
		cfg.Timeout = d
	}
	if v := getenv("REDIS_POOL_SIZE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("REDIS_POOL_SIZE=%q: want a positive number", v))
		}
		cfg.PoolSize = n
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Cache is a Redis client; connections open on first use.
type Cache struct {
	// Client is the go-redis client, for every command the helpers below do not cover.
	Client *redis.Client
}

// Open creates the client. It does not connect: Ping does, on every /readyz.
func Open(cfg Config) (*Cache, error) {
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.DialTimeout = cfg.Timeout
	opts.ReadTimeout = cfg.Timeout
	opts.WriteTimeout = cfg.Timeout
	opts.PoolSize = cfg.PoolSize
	return &Cache{Client: redis.NewClient(opts)}, nil
}

// Ping returns nil when Redis answers PING: the readiness check.
func (c *Cache) Ping(ctx context.Context) error {
	return c.Client.Ping(ctx).Err()
}

// GetJSON decodes the JSON value at key into v; found is false when the key is absent
// or expired.
func (c *Cache) GetJSON(ctx context.Context, key string, v any) (found bool, err error) {
	data, err := c.Client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("cache value %s: %w", key, err)
	}
	return true, nil
}

// SetJSON stores v as JSON at key for ttl (0: no expiry).
func (c *Cache) SetJSON(ctx context.Context, key string, v any, ttl time.Duration) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Client.Set(ctx, key, data, ttl).Err()
}

// Close closes the connections.
func (c *Cache) Close() error {
	return c.Client.Close()
}
