// Regenerates shared/src/openapi/definitions.generated.ts from the vendored upstream document
// (apiserver/openapi/kubernetes-1.32-swagger.json.gz): its definitions reduced to their structure.
// Run after replacing the document: npm run build && npm run generate:openapi -w @minik8s/apiserver
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { gunzipSync } = require('node:zlib');
const { generatedDefinitionsModule } = require('@minik8s/shared/openapi');

const root = join(__dirname, '..', '..');
const doc = JSON.parse(gunzipSync(readFileSync(join(root, 'apiserver', 'openapi', 'kubernetes-1.32-swagger.json.gz'))).toString('utf8'));
const out = join(root, 'shared', 'src', 'openapi', 'definitions.generated.ts');
writeFileSync(out, generatedDefinitionsModule(doc.definitions));
console.log(`wrote ${out}`);
