import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { noDependencies, startTestServer, type TestServer } from "./helpers.js";

describe("probes", () => {
  let healthy = true;
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer(
      noDependencies({
        checks: [
          {
            name: "backend",
            check: () => (healthy ? Promise.resolve() : Promise.reject(new Error("backend is down"))),
          },
        ],
      }),
    );
  });
  after(() => srv.close());

  it("/healthz answers 200", async () => {
    const res = await fetch(`${srv.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok" });
  });

  it("/readyz answers 200 when every check passes", async () => {
    const res = await fetch(`${srv.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok", checks: { backend: "ok" } });
  });

  it("/readyz answers 503 with the failing check", async () => {
    healthy = false;
    try {
      const res = await fetch(`${srv.url}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: "unavailable", checks: { backend: "backend is down" } });
    } finally {
      healthy = true;
    }
  });

  it("/readyz answers 503 while draining, /healthz still 200", async () => {
    srv.state.draining = true;
    try {
      assert.equal((await fetch(`${srv.url}/readyz`)).status, 503);
      assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    } finally {
      srv.state.draining = false;
    }
  });

  it("an unknown path is a JSON 404", async () => {
    const res = await fetch(`${srv.url}/no/such/path`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: "not found" });
  });

  it("a malformed JSON body is a 400", async () => {
    const res = await fetch(`${srv.url}/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    assert.equal(res.status, 400);
  });
});

describe("/metrics", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  it("follows the platform's metric contract", async () => {
    await fetch(`${srv.url}/healthz`);
    await fetch(`${srv.url}/missing`);
    const res = await fetch(`${srv.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^http_requests_total\{method="GET",route="\/healthz",code="200"\} 1$/m);
    assert.match(text, /^http_requests_total\{method="GET",route="unmatched",code="404"\} 1$/m);
    assert.match(text, /^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz"\} /m);
    assert.match(text, /^http_requests_in_flight 1$/m); // this request
    assert.match(text, /^process_cpu_seconds_total /m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  });

  it("logs each request as JSON", () => {
    const line = srv.logs.find((l) => l.msg === "request" && l.path === "/missing");
    assert.ok(line, "no access log line for /missing");
    assert.equal(line.level, "info");
    assert.equal(line.status, 404);
    assert.equal(line.route, "unmatched");
    assert.equal(typeof line.time, "string");
  });
});
