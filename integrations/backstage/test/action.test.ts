import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';

import { createScaffoldNewAction, SCAFFOLD_NEW_ACTION_ID } from '../src';
import { scaffoldBin, tempDir } from './helpers';

const ANSWERS = { name: 'payments-api', owner: 'team-payments', port: 8081, system: '' };
const CLI_ANSWERS = { name: 'payctl', owner: 'team-payments' };

function outputs(output: jest.Mock): Record<string, unknown> {
  return Object.fromEntries(output.mock.calls.map(([k, v]) => [k, v]));
}

describe(SCAFFOLD_NEW_ACTION_ID, () => {
  const action = createScaffoldNewAction({ binary: scaffoldBin(), env: { SCAFFOLD_CACHE_DIR: tempDir('cache') } });

  it('creates the project in the workspace, answers file and baseline included, without git', async () => {
    const workspacePath = tempDir('ws');
    const ctx = createMockActionContext({
      workspacePath,
      input: { goldenPath: 'node-api', values: { ...ANSWERS, gitops_repo_url: undefined } },
    });
    await action.handler(ctx);

    const catalog = readFileSync(join(workspacePath, 'catalog-info.yaml'), 'utf8');
    expect(catalog).toContain('name: payments-api');
    expect(catalog).toContain('group:team-payments');
    const answersFile = readFileSync(join(workspacePath, '.scaffold', 'node-api.yaml'), 'utf8');
    expect(answersFile).toContain('port: 8081');
    expect(existsSync(join(workspacePath, '.scaffold', 'node-api.baseline'))).toBe(true);
    // The publish step makes the repository.
    expect(existsSync(join(workspacePath, '.git'))).toBe(false);

    const out = outputs(ctx.output as jest.Mock);
    expect(out.goldenPath).toBe('node-api');
    expect(out.answersFile).toBe('.scaffold/node-api.yaml');
    expect(out.written).toBeGreaterThan(10);
    expect((out.report as { dest: string }).dest).toBe(workspacePath);
  });

  it('creates the project in targetPath, and refuses a targetPath outside the workspace', async () => {
    const workspacePath = tempDir('ws');
    const ctx = createMockActionContext({
      workspacePath,
      input: { goldenPath: 'cli-tool', values: CLI_ANSWERS, targetPath: 'services/payments' },
    });
    await action.handler(ctx);
    expect(existsSync(join(workspacePath, 'services', 'payments', '.scaffold', 'cli-tool.yaml'))).toBe(true);

    const outside = createMockActionContext({
      workspacePath: tempDir('ws'),
      input: { goldenPath: 'cli-tool', values: CLI_ANSWERS, targetPath: '../escape' },
    });
    await expect(action.handler(outside)).rejects.toThrow(/outside/i);
  });

  it("fails with scaffold's message at the answer's pointer, and writes nothing", async () => {
    const workspacePath = tempDir('ws');
    const ctx = createMockActionContext({
      workspacePath,
      input: { goldenPath: 'node-api', values: { ...ANSWERS, name: 'Not A Name', port: 80 } },
    });
    const failure = action.handler(ctx);
    await expect(failure).rejects.toThrow(/scaffold new node-api failed/);
    await expect(failure).rejects.toThrow(/\/name/);
    await expect(failure).rejects.toThrow(/\/port/);
    expect(readdirSync(workspacePath)).toEqual([]);
    expect((ctx.output as jest.Mock).mock.calls).toEqual([]);
  });

  it('says what to do when the binary is missing', async () => {
    const missing = createScaffoldNewAction({ binary: join(tempDir('nobin'), 'scaffold') });
    const ctx = createMockActionContext({ workspacePath: tempDir('ws'), input: { goldenPath: 'node-api', values: ANSWERS } });
    await expect(missing.handler(ctx)).rejects.toThrow(/SCAFFOLD_BIN/);
  });

  it('in a dry run reports what would be written and writes nothing', async () => {
    const workspacePath = tempDir('ws');
    // createMockActionContext leaves isDryRun out: set it as the scaffolder does.
    const ctx = {
      ...createMockActionContext({ workspacePath, input: { goldenPath: 'node-api', values: ANSWERS } }),
      isDryRun: true,
    };
    await action.handler(ctx);
    expect(readdirSync(workspacePath)).toEqual([]);
    const out = outputs(ctx.output as jest.Mock);
    expect((out.report as { dry_run: boolean }).dry_run).toBe(true);
    expect(out.written).toBeGreaterThan(10);
  });
});
