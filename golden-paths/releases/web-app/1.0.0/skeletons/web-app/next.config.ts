import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A self-contained server in .next/standalone: what the container image runs.
  output: "standalone",
  poweredByHeader: false,
  // prom-client keeps its registry in the Node.js process; not bundled.
  serverExternalPackages: ["prom-client"],
  // The type check is `npm run typecheck` (tsc --noEmit, strict), which CI runs before
  // anything is built; `next build` does not repeat it.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
