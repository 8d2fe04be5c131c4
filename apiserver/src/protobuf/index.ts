// Decoding `application/vnd.kubernetes.protobuf` request bodies: the typed
// clientset behind `kubectl create <kind> ...` and `kubectl autoscale` sends
// protobuf with no JSON fallback. The envelope is `k8s\0` + runtime.Unknown{typeMeta, raw}; raw is the
// object, decoded by the message its kind registered (ServedResource.protobuf). Responses stay JSON.
import { ApiError, statusFor, type KubeObject } from '@minik8s/shared';
import type { KindRegistry, ServedResource } from '../registry/kinds';
import type { SubresourceDef } from '../registry/strategy';
import { UNKNOWN, type ProtobufDecoder } from './messages';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Raised for bodies we cannot decode: 400, or 415 for kinds without a protobuf message. */
export class ProtobufDecodeError extends Error {
  constructor(
    message: string,
    readonly unsupportedKind = false,
  ) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}

const TO_OBJECT = { longs: Number, bytes: Buffer, defaults: false, arrays: false, objects: false };

/** The subresource's own decoder, when the body is of its responseKind. */
function subresourceDecoder(sub: SubresourceDef | undefined, apiVersion: string, kind: string): ProtobufDecoder | undefined {
  const gvk = sub?.responseKind;
  if (!sub?.protobuf || !gvk || gvk.kind !== kind || (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version) !== apiVersion)
    return undefined;
  return sub.protobuf;
}

/**
 * Decode a protobuf request body (magic + runtime.Unknown) into the JSON object the client meant. `r` is
 * the resource of the URL (`sub` its subresource, if any); the body's own apiVersion/kind win when present
 * (they are checked afterwards, as for JSON bodies).
 */
export function decodeProtobuf(buf: Buffer, r: ServedResource | undefined, kinds: KindRegistry, sub?: SubresourceDef): KubeObject {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(PROTOBUF_MAGIC))
    throw new ProtobufDecodeError('protobuf body does not start with the k8s\\0 magic');
  let envelope: Record<string, unknown>;
  try {
    envelope = UNKNOWN.toObject(UNKNOWN.decode(buf.subarray(4)), TO_OBJECT);
  } catch (e) {
    throw new ProtobufDecodeError(`malformed protobuf envelope: ${(e as Error).message}`);
  }
  const tm = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = tm.apiVersion || r?.apiVersion || '';
  const kind = tm.kind || r?.kind || '';
  if (envelope.contentEncoding) throw new ProtobufDecodeError(`unsupported protobuf content encoding ${String(envelope.contentEncoding)}`);
  const decoder: ProtobufDecoder | undefined = kinds.forKind(apiVersion, kind)?.protobuf ?? subresourceDecoder(sub, apiVersion, kind);
  if (!decoder) throw new ProtobufDecodeError(`protobuf bodies are not supported for ${apiVersion}/${kind}; send JSON`, true);
  let obj: Record<string, unknown>;
  try {
    obj = decoder.decode((envelope.raw as Buffer | undefined) ?? Buffer.alloc(0));
  } catch (e) {
    throw new ProtobufDecodeError(`malformed protobuf ${kind}: ${(e as Error).message}`);
  }
  return { apiVersion, kind, ...obj, metadata: (obj.metadata as KubeObject['metadata']) ?? {} };
}

/** decodeProtobuf with its errors as Status: kinds we do not decode → 415, malformed bodies → 400. */
export function decodeProtobufBody(buf: Buffer, r: ServedResource | undefined, kinds: KindRegistry, sub?: SubresourceDef): KubeObject {
  try {
    return decodeProtobuf(buf, r, kinds, sub);
  } catch (e) {
    if (e instanceof ProtobufDecodeError)
      throw new ApiError(
        e.unsupportedKind
          ? { ...statusFor.unsupportedMediaType('application/vnd.kubernetes.protobuf'), message: e.message }
          : statusFor.badRequest(`the object provided is unrecognized or malformed: ${e.message}`),
      );
    throw e;
  }
}
