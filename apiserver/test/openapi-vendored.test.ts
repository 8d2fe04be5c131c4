// The vendored upstream document is the published one, unmodified, and what is generated from it in
// shared/ (its definitions' structure, read by strict decoding, strategic merge patch and server-side apply)
// is up to date with it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generatedDefinitionsModule } from '@minik8s/shared/openapi';
import { UPSTREAM_DOCUMENT, readUpstreamDocument } from '../src/openapi/upstream';

describe('the vendored OpenAPI document', () => {
  it('is upstream v1.32 swagger.json byte for byte (the SHA-256 its README gives)', () => {
    const bytes = gunzipSync(readFileSync(UPSTREAM_DOCUMENT));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('0350c464f4e616e1240676ca629dac47e46d87d6c42d84b42a0bd98dfa0d5139');
    expect(readFileSync(join(UPSTREAM_DOCUMENT, '..', 'README.md'), 'utf8')).toContain('0350c464f4e616e1240676ca629dac47e46d87d6c42d84b42a0bd98dfa0d5139');
    expect(readFileSync(join(UPSTREAM_DOCUMENT, '..', 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  it('matches shared/src/openapi/definitions.generated.ts (else: npm run generate:openapi -w @minik8s/apiserver)', () => {
    const generated = readFileSync(join(__dirname, '..', '..', 'shared', 'src', 'openapi', 'definitions.generated.ts'), 'utf8');
    expect(generated === generatedDefinitionsModule(readUpstreamDocument().definitions)).toBe(true);
  });
});
