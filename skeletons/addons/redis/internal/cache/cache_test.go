package cache

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func env(values map[string]string) func(string) string {
	return func(k string) string { return values[k] }
}

func TestConfigFromEnv(t *testing.T) {
	cfg, err := ConfigFromEnv(env(map[string]string{"REDIS_URL": "redis://localhost:6379/0"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timeout != time.Second || cfg.PoolSize != 10 {
		t.Errorf("defaults: got %+v", cfg)
	}
	_, err = ConfigFromEnv(env(map[string]string{"REDIS_URL": "http://x", "REDIS_TIMEOUT": "soon", "REDIS_POOL_SIZE": "0"}))
	for _, want := range []string{"REDIS_URL", "REDIS_TIMEOUT", "REDIS_POOL_SIZE"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if _, err := ConfigFromEnv(env(nil)); err == nil || !strings.Contains(err.Error(), "REDIS_URL is not set") {
		t.Errorf("missing REDIS_URL: got %v", err)
	}
}

// testCache is a cache on TEST_REDIS_URL (a real Redis); the test is skipped without it.
func testCache(t *testing.T) *Cache {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		t.Skip("TEST_REDIS_URL is not set (e.g. redis://localhost:6379/15 after `docker compose up -d redis`)")
	}
	c, err := Open(Config{URL: url, Timeout: 2 * time.Second, PoolSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestPing(t *testing.T) {
	c := testCache(t)
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("no Redis answers at TEST_REDIS_URL: %v", err)
	}
}

func TestPingFailsWhenUnreachable(t *testing.T) {
	c, err := Open(Config{URL: "redis://127.0.0.1:1/0", Timeout: 200 * time.Millisecond, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Ping(context.Background()); err == nil {
		t.Fatal("Ping succeeded on a closed port")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	c := testCache(t)
	ctx := context.Background()
	key := fmt.Sprintf("test:%s:%d", t.Name(), time.Now().UnixNano())
	t.Cleanup(func() { c.Client.Del(context.Background(), key) })

	type item struct {
		ID   int      `json:"id"`
		Tags []string `json:"tags"`
	}
	var got item
	if found, err := c.GetJSON(ctx, key, &got); err != nil || found {
		t.Fatalf("absent key: found=%v err=%v", found, err)
	}
	want := item{ID: 1, Tags: []string{"a", "b"}}
	if err := c.SetJSON(ctx, key, want, time.Minute); err != nil {
		t.Fatal(err)
	}
	if found, err := c.GetJSON(ctx, key, &got); err != nil || !found || got.ID != want.ID || len(got.Tags) != 2 {
		t.Fatalf("got %+v found=%v err=%v", got, found, err)
	}
	ttl, err := c.Client.TTL(ctx, key).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("ttl %v err %v", ttl, err)
	}
}
