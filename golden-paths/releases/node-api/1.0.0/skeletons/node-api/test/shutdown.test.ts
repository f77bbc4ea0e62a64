import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";

import { Router } from "express";

import { shutdown } from "../src/server.js";
import { noDependencies, startTestServer } from "./helpers.js";

describe("graceful shutdown", () => {
  it("drains, finishes in-flight requests, stops accepting and closes the dependencies", async () => {
    let closed = false;
    const slow = Router();
    slow.get("/", (_req, res) => {
      setTimeout(() => res.json({ done: true }), 300);
    });
    const srv = await startTestServer(
      noDependencies({
        routes: [{ path: "/slow", router: slow }],
        close: () => {
          closed = true;
          return Promise.resolve();
        },
      }),
    );
    const inFlight = fetch(`${srv.url}/slow`);
    await sleep(50);
    const stopping = shutdown(
      {
        server: srv.server,
        state: srv.state,
        dependencies: srv.dependencies,
        logger: srv.logger,
        drainDelayMs: 100,
        shutdownTimeoutMs: 2000,
      },
      "SIGTERM",
    );
    // During the drain delay the server still answers, but is not ready.
    const ready = await fetch(`${srv.url}/readyz`, { headers: { connection: "close" } });
    assert.equal(ready.status, 503);

    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { done: true });
    await stopping;
    assert.ok(closed, "dependencies were not closed");
    assert.equal(srv.server.listening, false);
    await assert.rejects(fetch(`${srv.url}/healthz`));
    assert.ok(srv.logs.some((l) => l.msg === "stopped"));
  });

  it("closes the connections of requests that outlive SHUTDOWN_TIMEOUT", async () => {
    const hang = Router();
    hang.get("/", () => {
      // never answers
    });
    const srv = await startTestServer(noDependencies({ routes: [{ path: "/hang", router: hang }] }));
    const stuck = fetch(`${srv.url}/hang`);
    await sleep(50);
    const options = {
      server: srv.server,
      state: srv.state,
      dependencies: srv.dependencies,
      logger: srv.logger,
      drainDelayMs: 0,
      shutdownTimeoutMs: 200,
    };
    await shutdown(options, "SIGTERM");
    await assert.rejects(stuck);
    assert.ok(srv.logs.some((l) => l.msg === "shutdown timeout: closing the connections of unfinished requests"));
  });
});
