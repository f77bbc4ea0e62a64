// Runs once when the server starts (next dev, next start, the image's server.js).
// Next calls register() in every runtime; what it does is Node.js only.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { start } = await import("./lib/server-start");
    await start();
  }
}
