import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A self-contained server in .next/standalone: what the container image runs.
  output: "standalone",
  poweredByHeader: false,
  // prom-client keeps its registry in the Node.js process; not bundled.
  serverExternalPackages: ["prom-client"],
};

export default nextConfig;
