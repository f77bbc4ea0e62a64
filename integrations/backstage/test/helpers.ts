import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The scaffold binary under test: SCAFFOLD_BIN (CI sets it to target/debug/scaffold). */
export function scaffoldBin(): string {
  const bin = process.env.SCAFFOLD_BIN;
  if (!bin || !existsSync(bin)) {
    throw new Error(
      `SCAFFOLD_BIN must name the scaffold binary to test (got ${JSON.stringify(bin)}); build it with \`cargo build -p scaffold-cli\` and set SCAFFOLD_BIN=target/debug/scaffold`,
    );
  }
  return bin;
}

/** A fresh empty directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `scaffold-backstage-${prefix}-`));
}

/** Run scaffold with `args`, returning stdout (throws on a non-zero exit). */
export function scaffold(args: string[]): string {
  return execFileSync(scaffoldBin(), args, {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', SCAFFOLD_CACHE_DIR: tempDir('cache') },
  });
}
