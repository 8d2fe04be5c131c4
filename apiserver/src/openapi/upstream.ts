// Upstream's v1.32 OpenAPI v2 document, vendored unmodified in apiserver/openapi/ (gzipped; see its
// README): read when a client first asks for /openapi/..., never at start-up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Schema } from '@minik8s/shared/openapi';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = Record<string, any>;

/** An OpenAPI v2 (swagger) document, as Kubernetes publishes it. */
export interface SwaggerDocument {
  swagger: string;
  info: Json;
  paths: Record<string, Json>;
  definitions: Record<string, Schema>;
  parameters: Record<string, Json>;
  security?: Json[];
  securityDefinitions?: Record<string, Json>;
}

/** Where the vendored document is, from src/openapi or dist/openapi alike. */
export const UPSTREAM_DOCUMENT = join(__dirname, '..', '..', 'openapi', 'kubernetes-1.32-swagger.json.gz');

export function readUpstreamDocument(path = UPSTREAM_DOCUMENT): SwaggerDocument {
  try {
    return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as SwaggerDocument;
  } catch (e) {
    throw new Error(`cannot read the OpenAPI document ${path}`, { cause: e });
  }
}
