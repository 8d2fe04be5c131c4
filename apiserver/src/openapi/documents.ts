// The OpenAPI documents of the kinds registered right now, built on first request from upstream's
// vendored document and rebuilt when a kind is registered or unregistered (KindRegistry.generation): the
// v2 document (JSON; protobuf on demand), the v3 documents per group-version and the /openapi/v3 index.
// Only their bytes are kept (with their ETags: upstream's hex SHA-512, which the index's `?hash=` repeats);
// the parsed upstream document and the built ones are dropped once serialized.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { KindRegistry } from '../registry/kinds';
import { readUpstreamDocument, type SwaggerDocument } from './upstream';
import { servedV2Document } from './v2';
import { v3Documents } from './v3';
import { encodeV2Protobuf } from './gnostic';

const gzip = promisify(gzipCb);

/** One document's bytes, its ETag, and its gzipped bytes once a client asked for them. */
export class Served {
  readonly etag: string;
  private gzipped?: Promise<Buffer>;
  constructor(readonly body: Buffer) {
    this.etag = createHash('sha512').update(body).digest('hex').toUpperCase();
  }
  gzip(): Promise<Buffer> {
    return (this.gzipped ??= gzip(this.body));
  }
}

interface Built {
  generation: number;
  v2: Served;
  v2Protobuf?: Served;
  v3: Map<string, Served>;
  v3Index: Served;
}

const json = (v: unknown) => new Served(Buffer.from(JSON.stringify(v)));

export class OpenApiDocuments {
  private built?: Built;

  constructor(
    private readonly kinds: KindRegistry,
    private readonly readUpstream: () => SwaggerDocument = readUpstreamDocument,
  ) {}

  private current(): Built {
    if (this.built?.generation === this.kinds.generation) return this.built;
    const generation = this.kinds.generation;
    const v2Doc = servedV2Document(
      this.readUpstream(),
      this.kinds.served().filter((r) => !r.strategy.hidden),
    );
    const v3 = new Map([...v3Documents(v2Doc)].map(([key, doc]) => [key, json(doc)]));
    const paths = Object.fromEntries([...v3].map(([key, s]) => [key, { serverRelativeURL: v3Url(key, s.etag) }]));
    this.built = { generation, v2: json(v2Doc), v3, v3Index: json({ paths }) };
    return this.built;
  }

  v2(): Served {
    return this.current().v2;
  }

  v2Protobuf(): Served {
    const b = this.current();
    // from the JSON bytes: the document objects are not kept
    return (b.v2Protobuf ??= new Served(encodeV2Protobuf(JSON.parse(b.v2.body.toString('utf8')))));
  }

  v3Index(): Served {
    return this.current().v3Index;
  }

  /** The v3 document at a key ("api/v1", "apis/apps/v1", ...), undefined when nothing served is there. */
  v3(key: string): Served | undefined {
    return this.current().v3.get(key);
  }
}

/** Where the index points for a document: its path with its hash (upstream's serverRelativeURL). */
export const v3Url = (key: string, etag: string) => `/openapi/v3/${key}?hash=${etag}`;
