// Split a byte stream into lines, robust to chunks that cut lines (and multi-byte characters) anywhere.
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';

  /** Feed a chunk; returns the complete lines it finished (without the newline; blank lines dropped). */
  push(chunk: Buffer | string): string[] {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = this.buf.split('\n');
    this.buf = parts.pop() ?? '';
    return parts.map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  }

  /** The unterminated rest at end of stream, if any. */
  end(): string[] {
    const rest = (this.buf + this.decoder.end()).trim();
    this.buf = '';
    return rest ? [rest] : [];
  }
}
