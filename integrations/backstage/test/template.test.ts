import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { entityEnvelopeSchemaValidator } from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import type { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parse } from 'yaml';

import { createScaffoldNewAction, SCAFFOLD_NEW_ACTION_ID } from '../src';
import { scaffold, scaffoldBin, tempDir } from './helpers';

interface Step {
  id: string;
  action: string;
  input: JsonObject;
}
interface Template {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { parameters: JsonObject[]; steps: Step[]; output: JsonObject };
}

/** `${{ parameters.x }}` replaced by the answer, keeping its type, as Backstage does for a whole-string expression. */
function renderValues(values: JsonObject, answers: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(values)) {
    const m = typeof v === 'string' ? /^\$\{\{ parameters\.([A-Za-z_][A-Za-z0-9_]*) \}\}$/.exec(v) : null;
    if (!m) throw new Error(`values.${k} is not a parameter expression: ${JSON.stringify(v)}`);
    const answer = answers[m[1]!];
    if (answer !== undefined) out[k] = answer;
  }
  return out;
}

/** The answers the form would send: each page property's default, then `given`. */
function formAnswers(pages: JsonObject[], given: JsonObject): JsonObject {
  const answers: JsonObject = {};
  for (const page of pages) {
    for (const [name, schema] of Object.entries((page.properties ?? {}) as Record<string, JsonObject>)) {
      if (schema.default !== undefined) answers[name] = schema.default;
    }
  }
  return { ...answers, ...given };
}

describe('scaffold export backstage', () => {
  for (const goldenPath of ['node-api', 'go-microservice', 'web-app']) {
    it(`writes a valid v1beta3 Template for ${goldenPath} whose scaffold step creates the project`, async () => {
      const out = tempDir('export');
      scaffold(['export', 'backstage', goldenPath, '--out', out]);
      const template = parse(readFileSync(join(out, 'template.yaml'), 'utf8')) as Template;

      // Backstage's own validators: the entity envelope and the Template kind.
      expect(() => entityEnvelopeSchemaValidator()(template)).not.toThrow();
      await expect(templateEntityV1beta3Validator.check(template as never)).resolves.toBe(true);

      const actions = template.spec.steps.map((s) => s.action);
      expect(actions).toEqual([SCAFFOLD_NEW_ACTION_ID, 'publish:github', 'catalog:register']);
      const step = template.spec.steps[0]!;
      expect(step.input.goldenPath).toMatch(new RegExp(`^${goldenPath}@\\d+\\.\\d+\\.\\d+$`));

      // The form's answers through the step's input, into the real action.
      const answers = formAnswers(template.spec.parameters, { name: 'orders-api', owner: 'team-orders' });
      const workspacePath = tempDir('ws');
      const ctx = createMockActionContext({
        workspacePath,
        input: { goldenPath: step.input.goldenPath as string, values: renderValues(step.input.values as JsonObject, answers) },
      });
      await createScaffoldNewAction({ binary: scaffoldBin() }).handler(ctx);
      const catalog = readFileSync(join(workspacePath, 'catalog-info.yaml'), 'utf8');
      expect(catalog).toContain('orders-api');
      // The register step reads catalog-info.yaml at the root of the repository.
      expect(template.spec.steps[2]!.input.catalogInfoPath).toBe('/catalog-info.yaml');
    });
  }
});
