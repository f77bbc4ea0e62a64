/**
 * The `scaffold:new` scaffolder action: runs the scaffold engine on a golden path in
 * the task workspace, so a Backstage Software Template exported with
 * `scaffold export backstage` creates exactly what `scaffold new` creates on the
 * command line, answers file and baseline included (the project stays updatable with
 * `scaffold update` and checkable with `scaffold check`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject, JsonValue } from '@backstage/types';

/** The action id; `scaffold export backstage` writes steps with it. */
export const SCAFFOLD_NEW_ACTION_ID = 'scaffold:new';

/** How the action finds and runs the scaffold binary. */
export interface ScaffoldActionOptions {
  /** The scaffold binary (default: `$SCAFFOLD_BIN`, else `scaffold` on the PATH). */
  binary?: string;
  /** Pass `--offline`: git sources must already be in scaffold's cache. */
  offline?: boolean;
  /** Extra environment for scaffold (e.g. `SCAFFOLD_TEMPLATES`, `SCAFFOLD_CACHE_DIR`). */
  env?: Record<string, string>;
}

/** What one run of scaffold printed and how it ended. */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(binary: string, args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new Error(`cannot run scaffold: \`${binary}\` was not found; install scaffold on the backend's PATH, or set SCAFFOLD_BIN or scaffold.binary in app-config.yaml`)
          : e,
      ),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The answers without `undefined` and `null` (fields the form left empty). */
function answers(values: Record<string, unknown> | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(values ?? {})) {
    if (v !== undefined && v !== null) {
      out[k] = v as JsonValue;
    }
  }
  return out;
}

/**
 * Creates the `scaffold:new` action.
 *
 * Input: `goldenPath` (what `scaffold new` takes: `NAME@VERSION`, a path on the
 * backend, or a git source), `values` (the answers), `targetPath` (a directory in the
 * workspace; default: the workspace). It runs
 * `scaffold new GOLDEN_PATH DEST --values FILE --no-input --no-git --format json`
 * (the publish step makes the repository), or with `--dry-run` in a dry run, and
 * returns scaffold's report as outputs. A failure is an error carrying scaffold's
 * message, and scaffold writes nothing then.
 */
export function createScaffoldNewAction(options: ScaffoldActionOptions = {}) {
  return createTemplateAction({
    id: SCAFFOLD_NEW_ACTION_ID,
    description:
      'Creates a project from a scaffold golden path in the workspace, with its answers file and baseline, so `scaffold update` and `scaffold check` work on it.',
    supportsDryRun: true,
    schema: {
      input: {
        goldenPath: (z) =>
          z.string().min(1).describe('The golden path, as `scaffold new` takes it: NAME@VERSION, a path, or a git source'),
        values: (z) => z.record(z.string(), z.unknown()).optional().describe("Answers to the golden path's parameters"),
        targetPath: (z) =>
          z.string().optional().describe('Directory in the workspace to create the project in (default: the workspace)'),
      },
      output: {
        goldenPath: (z) => z.string().describe('The golden path rendered'),
        version: (z) => z.string().describe('Its version'),
        answersFile: (z) => z.string().optional().describe('The answers file, relative to the project'),
        written: (z) => z.number().describe('Paths written (in a dry run: paths that would be)'),
        report: (z) => z.record(z.string(), z.unknown()).describe("scaffold's JSON report (docs/json.md)"),
      },
    },
    async handler(ctx) {
      const binary = options.binary ?? process.env.SCAFFOLD_BIN ?? 'scaffold';
      const dest = ctx.input.targetPath
        ? resolveSafeChildPath(ctx.workspacePath, ctx.input.targetPath)
        : ctx.workspacePath;
      const dir = await mkdtemp(join(tmpdir(), 'scaffold-values-'));
      try {
        const valuesFile = join(dir, 'values.json');
        // The answers may hold secrets: readable by this user only, removed after.
        await writeFile(valuesFile, JSON.stringify(answers(ctx.input.values)), { mode: 0o600 });
        const args = ['new', ctx.input.goldenPath, dest, '--values', valuesFile, '--no-input', '--no-git', '--format', 'json'];
        if (ctx.isDryRun) args.push('--dry-run');
        if (options.offline) args.push('--offline');
        ctx.logger.info(`scaffold ${args.join(' ')}`);
        const env = { ...process.env, ...options.env, NO_COLOR: '1' };
        const result = await run(binary, args, env, ctx.signal);
        for (const line of result.stderr.split('\n').filter((l) => l.trim() !== '')) {
          ctx.logger.warn(line);
        }
        if (result.code !== 0) {
          const why = result.stderr.trim() || `exit status ${result.code}`;
          throw new Error(`scaffold new ${ctx.input.goldenPath} failed:\n${why}`);
        }
        const report = JSON.parse(result.stdout) as JsonObject;
        const entries = Array.isArray(report.entries) ? report.entries.length : undefined;
        ctx.output('goldenPath', String(report.golden_path));
        ctx.output('version', String(report.version));
        if (typeof report.answers_file === 'string') ctx.output('answersFile', report.answers_file);
        ctx.output('written', typeof report.written === 'number' ? report.written : (entries ?? 0));
        ctx.output('report', report);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  });
}
