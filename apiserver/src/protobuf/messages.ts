// Protobuf messages for `application/vnd.kubernetes.protobuf` request bodies (the typed clientset behind
// `kubectl create ...`, see index.ts). Here: the runtime.Unknown envelope and the meta/v1 messages every
// object uses; kinds add their own messages (defineMessages) with upstream's field numbers from
// k8s.io/api's generated.proto, only the fields clients fill. Unknown fields are skipped by the decoder.
import protobuf from 'protobufjs';
import type { Obj } from '../registry/objects';

const COMMON = `
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }

message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
message Quantity { optional string string = 1; }

message OwnerReference {
  optional string kind = 1; optional string name = 3; optional string uid = 4; optional string apiVersion = 5;
  optional bool controller = 6; optional bool blockOwnerDeletion = 7;
}
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7; optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
}
message LabelSelectorRequirement { optional string key = 1; optional string operator = 2; repeated string values = 3; }
message LabelSelector { map<string, string> matchLabels = 1; repeated LabelSelectorRequirement matchExpressions = 2; }
`;

const HEADER = 'syntax = "proto2";\npackage k8s;\n';
const root = protobuf.parse(HEADER + COMMON, { keepCase: true }).root;
export const UNKNOWN = root.lookupType('k8s.Unknown');

/**
 * Go pointer fields: present in protobuf only when set, so a zero value there is meaningful. Every
 * other zero/false/"" is a Go zero value that JSON (omitempty) would leave out.
 */
const POINTER_FIELDS = new Set(['deletionGracePeriodSeconds', 'controller', 'blockOwnerDeletion']);

/** Decodes one kind's message (the `raw` of the envelope) into the JSON Go would produce. */
export interface ProtobufDecoder {
  decode(raw: Uint8Array): Obj;
}

/**
 * Add message definitions (proto2, without syntax/package lines; they may use the messages above and those
 * defined before) and get a decoder per message name. `pointerFields` names the Go pointer fields among them.
 */
export function defineMessages(proto: string, pointerFields: readonly string[] = []): (name: string) => ProtobufDecoder {
  protobuf.parse(HEADER + proto, root, { keepCase: true });
  for (const f of pointerFields) POINTER_FIELDS.add(f);
  return (name) => {
    const t = root.lookupType(`k8s.${name}`);
    let resolved = false;
    return {
      decode(raw) {
        if (!resolved) {
          t.resolveAll();
          resolved = true;
        }
        return toJson(t, t.toObject(t.decode(raw), TO_OBJECT));
      },
    };
  };
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, bytes: String, defaults: false, arrays: false, objects: false };

/** The plain-object form of a decoded message, as Go's JSON encoding of the same struct would give. */
function toJson(t: protobuf.Type, msg: Obj): Obj {
  const out: Obj = {};
  for (const field of t.fieldsArray) {
    const v = msg[field.name];
    if (v === undefined || v === null) continue;
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const conv = (x: unknown) => (sub ? convertMessage(sub, x as Obj) : x);
    if (field.map) {
      const m = v as Obj;
      if (Object.keys(m).length) out[field.name] = Object.fromEntries(Object.entries(m).map(([k, x]) => [k, conv(x)]));
    } else if (field.repeated) {
      const arr = v as unknown[];
      if (arr.length) out[field.name] = arr.map(conv);
    } else if (sub) {
      const c = conv(v);
      if (c !== undefined) out[field.name] = c;
    } else if (POINTER_FIELDS.has(field.name) || (v !== '' && v !== 0 && v !== false)) {
      out[field.name] = v;
    }
  }
  return out;
}

function convertMessage(t: protobuf.Type, msg: Obj): unknown {
  switch (t.name) {
    case 'Time': {
      const s = Number(msg.seconds ?? 0);
      return s ? new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
    }
    case 'IntOrString':
      return Number(msg.type ?? 0) === 1 ? (msg.strVal ?? '') : (msg.intVal ?? 0);
    case 'Quantity':
      return msg.string ?? '';
    case 'ExtraValue':
      // a user's extra values: a plain list in JSON
      return (msg.items as string[] | undefined) ?? [];
    default:
      return toJson(t, msg);
  }
}
