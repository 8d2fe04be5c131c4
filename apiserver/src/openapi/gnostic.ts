// /openapi/v2 as protobuf (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, what kubectl asks
// for): gnostic's openapi.v2.Document, the message client-go decodes. The .proto below is written from the
// field numbers of gnostic's published openapiv2/OpenAPIv2.proto, for the messages a Kubernetes document
// uses; a JSON document maps onto it as gnostic's compiler maps one (`x-` extensions, defaults and enums as
// YAML text in Any values: here their JSON, which is YAML too and what readers parse with a YAML parser;
// parameters by where they go; `$ref`s as JsonReference/`_ref`).
import protobuf from 'protobufjs';
import type { Json, SwaggerDocument } from './upstream';

export const OPENAPI_V2_PROTO = `
syntax = "proto3";
package openapi.v2;

message Any { string yaml = 2; }
message NamedAny { string name = 1; Any value = 2; }
message StringArray { repeated string value = 1; }
message NamedStringArray { string name = 1; StringArray value = 2; }
message SecurityRequirement { repeated NamedStringArray additional_properties = 1; }

message Info {
  string title = 1; string version = 2; string description = 3; string terms_of_service = 4;
  repeated NamedAny vendor_extension = 7;
}
message ExternalDocs { string description = 1; string url = 2; repeated NamedAny vendor_extension = 3; }
message Tag { string name = 1; string description = 2; ExternalDocs external_docs = 3; repeated NamedAny vendor_extension = 4; }

message Document {
  string swagger = 1; Info info = 2; string host = 3; string base_path = 4; repeated string schemes = 5;
  repeated string consumes = 6; repeated string produces = 7; Paths paths = 8; Definitions definitions = 9;
  ParameterDefinitions parameters = 10; repeated SecurityRequirement security = 12;
  SecurityDefinitions security_definitions = 13; repeated Tag tags = 14; ExternalDocs external_docs = 15;
  repeated NamedAny vendor_extension = 16;
}

message Paths { repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2; }
message NamedPathItem { string name = 1; PathItem value = 2; }
message PathItem {
  string _ref = 1; Operation get = 2; Operation put = 3; Operation post = 4; Operation delete = 5;
  Operation options = 6; Operation head = 7; Operation patch = 8; repeated ParametersItem parameters = 9;
  repeated NamedAny vendor_extension = 10;
}
message Operation {
  repeated string tags = 1; string summary = 2; string description = 3; ExternalDocs external_docs = 4;
  string operation_id = 5; repeated string produces = 6; repeated string consumes = 7;
  repeated ParametersItem parameters = 8; Responses responses = 9; repeated string schemes = 10;
  bool deprecated = 11; repeated SecurityRequirement security = 12; repeated NamedAny vendor_extension = 13;
}
message JsonReference { string _ref = 1; string description = 2; }
message ParametersItem { oneof oneof { Parameter parameter = 1; JsonReference json_reference = 2; } }
message Parameter { oneof oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
message BodyParameter {
  string description = 1; string name = 2; string in = 3; bool required = 4; Schema schema = 5;
  repeated NamedAny vendor_extension = 6;
}
message NonBodyParameter {
  oneof oneof {
    HeaderParameterSubSchema header_parameter_sub_schema = 1;
    FormDataParameterSubSchema form_data_parameter_sub_schema = 2;
    QueryParameterSubSchema query_parameter_sub_schema = 3;
    PathParameterSubSchema path_parameter_sub_schema = 4;
  }
}
message PrimitivesItems {
  string type = 1; string format = 2; PrimitivesItems items = 3; string collection_format = 4; Any default = 5;
  repeated NamedAny vendor_extension = 18;
}
message QueryParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4; bool allow_empty_value = 5;
  string type = 6; string format = 7; PrimitivesItems items = 8; string collection_format = 9; Any default = 10;
  bool unique_items = 20; repeated Any enum = 21; repeated NamedAny vendor_extension = 23;
}
message FormDataParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4; bool allow_empty_value = 5;
  string type = 6; string format = 7; PrimitivesItems items = 8; string collection_format = 9; Any default = 10;
  bool unique_items = 20; repeated Any enum = 21; repeated NamedAny vendor_extension = 23;
}
message HeaderParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4;
  string type = 5; string format = 6; PrimitivesItems items = 7; string collection_format = 8; Any default = 9;
  bool unique_items = 19; repeated Any enum = 20; repeated NamedAny vendor_extension = 22;
}
message PathParameterSubSchema {
  bool required = 1; string in = 2; string description = 3; string name = 4;
  string type = 5; string format = 6; PrimitivesItems items = 7; string collection_format = 8; Any default = 9;
  bool unique_items = 19; repeated Any enum = 20; repeated NamedAny vendor_extension = 22;
}

message Responses { repeated NamedResponseValue response_code = 1; repeated NamedAny vendor_extension = 2; }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message ResponseValue { oneof oneof { Response response = 1; JsonReference json_reference = 2; } }
message Response { string description = 1; SchemaItem schema = 2; repeated NamedAny vendor_extension = 5; }
message SchemaItem { oneof oneof { Schema schema = 1; } }

message Schema {
  string _ref = 1; string format = 2; string title = 3; string description = 4; Any default = 5;
  double multiple_of = 6; double maximum = 7; bool exclusive_maximum = 8; double minimum = 9; bool exclusive_minimum = 10;
  int64 max_length = 11; int64 min_length = 12; string pattern = 13; int64 max_items = 14; int64 min_items = 15;
  bool unique_items = 16; int64 max_properties = 17; int64 min_properties = 18; repeated string required = 19;
  repeated Any enum = 20; AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22; ItemsItem items = 23;
  repeated Schema all_of = 24; Properties properties = 25; string discriminator = 26; bool read_only = 27;
  ExternalDocs external_docs = 29; Any example = 30; repeated NamedAny vendor_extension = 31;
}
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Properties { repeated NamedSchema additional_properties = 1; }
message Definitions { repeated NamedSchema additional_properties = 1; }
message NamedParameter { string name = 1; Parameter value = 2; }
message ParameterDefinitions { repeated NamedParameter additional_properties = 1; }

message ApiKeySecurity { string type = 1; string name = 2; string in = 3; string description = 4; repeated NamedAny vendor_extension = 5; }
message BasicAuthenticationSecurity { string type = 1; string description = 2; repeated NamedAny vendor_extension = 3; }
message SecurityDefinitionsItem {
  oneof oneof { BasicAuthenticationSecurity basic_authentication_security = 1; ApiKeySecurity api_key_security = 2; }
}
message NamedSecurityDefinitionsItem { string name = 1; SecurityDefinitionsItem value = 2; }
message SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1; }
`;

export const DOCUMENT = protobuf.parse(OPENAPI_V2_PROTO, { keepCase: true }).root.lookupType('openapi.v2.Document');

const yamlAny = (v: unknown) => ({ yaml: JSON.stringify(v) });
const extensions = (o: Json) =>
  Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, v]) => ({ name, value: yamlAny(v) }));

/** snake_case message fields from camelCase JSON keys, for the keys that are copied as they are. */
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function copy(o: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (o[k] !== undefined) out[snake(k)] = o[k];
  return out;
}

const SCHEMA_SCALARS = ['format', 'title', 'description', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'discriminator', 'readOnly'];

function schema(s: Json): Json {
  const out = copy(s, SCHEMA_SCALARS);
  if (s.$ref !== undefined) out._ref = s.$ref;
  if (s.default !== undefined) out.default = yamlAny(s.default);
  if (s.example !== undefined) out.example = yamlAny(s.example);
  if (s.enum) out.enum = s.enum.map(yamlAny);
  if (s.type !== undefined) out.type = { value: Array.isArray(s.type) ? s.type : [s.type] };
  if (s.items) out.items = { schema: (Array.isArray(s.items) ? s.items : [s.items]).map(schema) };
  if (s.additionalProperties !== undefined) out.additional_properties = typeof s.additionalProperties === 'boolean' ? { boolean: s.additionalProperties } : { schema: schema(s.additionalProperties) };
  if (s.allOf) out.all_of = s.allOf.map(schema);
  if (s.properties) out.properties = { additional_properties: Object.entries(s.properties).map(([name, v]) => ({ name, value: schema(v as Json) })) };
  if (s.externalDocs) out.external_docs = copy(s.externalDocs, ['description', 'url']);
  const ext = extensions(s);
  if (ext.length) out.vendor_extension = ext;
  return out;
}

const PARAM_SCALARS = ['required', 'in', 'description', 'name', 'allowEmptyValue', 'type', 'format', 'collectionFormat', 'uniqueItems'];
const SUB_SCHEMA: Record<string, string> = { query: 'query_parameter_sub_schema', path: 'path_parameter_sub_schema', header: 'header_parameter_sub_schema', formData: 'form_data_parameter_sub_schema' };

function parameter(p: Json): Json {
  if (p.in === 'body') {
    const body = copy(p, ['description', 'name', 'in', 'required']);
    if (p.schema) body.schema = schema(p.schema);
    return { body_parameter: withExtensions(body, p) };
  }
  const sub = copy(p, PARAM_SCALARS);
  if (p.in !== 'query' && p.in !== 'formData') delete sub.allow_empty_value;
  if (p.default !== undefined) sub.default = yamlAny(p.default);
  if (p.enum) sub.enum = p.enum.map(yamlAny);
  if (p.items) sub.items = copy(p.items, ['type', 'format', 'collectionFormat']);
  return { non_body_parameter: { [SUB_SCHEMA[p.in] ?? 'query_parameter_sub_schema']: withExtensions(sub, p) } };
}

const parametersItem = (p: Json) => (typeof p.$ref === 'string' ? { json_reference: { _ref: p.$ref } } : { parameter: parameter(p) });

function withExtensions(out: Json, from: Json): Json {
  const ext = extensions(from);
  if (ext.length) out.vendor_extension = ext;
  return out;
}

function operation(op: Json): Json {
  const out = copy(op, ['tags', 'summary', 'description', 'operationId', 'produces', 'consumes', 'schemes', 'deprecated']);
  if (op.parameters) out.parameters = op.parameters.map(parametersItem);
  if (op.responses) {
    out.responses = {
      response_code: Object.entries(op.responses).map(([name, r]) => {
        const res = r as Json;
        if (typeof res.$ref === 'string') return { name, value: { json_reference: { _ref: res.$ref } } };
        const response: Json = { description: res.description ?? '' };
        if (res.schema) response.schema = { schema: schema(res.schema) };
        return { name, value: { response: withExtensions(response, res) } };
      }),
    };
  }
  return withExtensions(out, op);
}

const PATH_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

function pathItem(item: Json): Json {
  const out: Json = {};
  if (item.$ref) out._ref = item.$ref;
  for (const m of PATH_METHODS) if (item[m]) out[m] = operation(item[m]);
  if (item.parameters) out.parameters = item.parameters.map(parametersItem);
  return withExtensions(out, item);
}

/** The gnostic message object of a v2 document. */
export function gnosticDocument(doc: SwaggerDocument): Json {
  const out: Json = { swagger: doc.swagger, info: withExtensions(copy(doc.info, ['title', 'version', 'description', 'termsOfService']), doc.info) };
  out.paths = { path: Object.entries(doc.paths).map(([name, v]) => ({ name, value: pathItem(v) })) };
  out.definitions = { additional_properties: Object.entries(doc.definitions).map(([name, v]) => ({ name, value: schema(v as Json) })) };
  out.parameters = { additional_properties: Object.entries(doc.parameters).map(([name, v]) => ({ name, value: parameter(v) })) };
  if (doc.security) out.security = doc.security.map((req) => ({ additional_properties: Object.entries(req).map(([name, scopes]) => ({ name, value: { value: scopes } })) }));
  if (doc.securityDefinitions) {
    out.security_definitions = {
      additional_properties: Object.entries(doc.securityDefinitions).map(([name, d]) => ({
        name,
        value: d.type === 'basic' ? { basic_authentication_security: withExtensions(copy(d, ['type', 'description']), d) } : { api_key_security: withExtensions(copy(d, ['type', 'name', 'in', 'description']), d) },
      })),
    };
  }
  return out;
}

/** The protobuf encoding of a v2 document (the plain message object is encoded as it is: its fields have the proto's types). */
export function encodeV2Protobuf(doc: SwaggerDocument): Buffer {
  const bytes = DOCUMENT.encode(gnosticDocument(doc)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
