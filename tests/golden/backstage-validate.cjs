// Validates Backstage entities with @backstage/catalog-model, the validators the
// catalog itself runs on ingestion: the entity policies (namespace default, no
// foreign root fields, field formats, envelope schema) and the kind's own schema.
// usage: node backstage-validate.cjs ENTITIES.json   (a JSON array of entities)
'use strict';
const fs = require('fs');
const model = require('@backstage/catalog-model');

const policy = model.EntityPolicies.allOf([
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(),
  new model.SchemaValidEntityPolicy(),
]);
const kinds = [
  model.apiEntityV1alpha1Validator,
  model.componentEntityV1alpha1Validator,
  model.domainEntityV1alpha1Validator,
  model.groupEntityV1alpha1Validator,
  model.locationEntityV1alpha1Validator,
  model.resourceEntityV1alpha1Validator,
  model.systemEntityV1alpha1Validator,
  model.userEntityV1alpha1Validator,
];

async function main() {
  const entities = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  let failures = 0;
  for (const [i, raw] of entities.entries()) {
    const where = `document ${i + 1} (${raw && raw.kind}:${raw && raw.metadata && raw.metadata.name})`;
    try {
      const entity = await policy.enforce(raw);
      let known = false;
      for (const v of kinds) {
        if (await v.check(entity)) known = true;
      }
      if (!known) throw new Error(`no validator accepts kind ${raw.kind} with apiVersion ${raw.apiVersion}`);
    } catch (e) {
      failures++;
      console.log(`${where}: ${e.message}`);
    }
  }
  process.exit(failures ? 1 : 0);
}
main().catch((e) => { console.log(e.stack || String(e)); process.exit(2); });
