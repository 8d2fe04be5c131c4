// @minik8s/shared/openapi: upstream's OpenAPI definitions (structure only) and the schema graph compiled
// from them or from a kind's own schema (strict decoding, strategic merge patch, server-side apply).
export * from './schema';
export * from './nodes';
export * from './upstream';
