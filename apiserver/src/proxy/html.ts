// Links in proxied HTML pages, as upstream's proxy Transport rewrites them (rewriteHTML): the URL-valued
// attributes of the tags that have them go through the same rewrite as a redirect's Location, so a page
// served at / keeps working under .../proxy/. Only those attribute values change; every other byte of the
// page is left as it came (htmlparser2's tokenizer gives their positions).
import { Tokenizer } from 'htmlparser2';

/** Which attributes of which tags hold URLs (upstream's atomsToAttrs). */
const URL_ATTRS: Readonly<Record<string, readonly string[]>> = {
  a: ['href'], applet: ['codebase'], area: ['href'], audio: ['src'], base: ['href'], blockquote: ['cite'], body: ['background'],
  button: ['formaction'], command: ['icon'], del: ['cite'], embed: ['src'], form: ['action'], frame: ['longdesc', 'src'], head: ['profile'],
  html: ['manifest'], iframe: ['longdesc', 'src'], img: ['longdesc', 'src', 'usemap'], input: ['src', 'usemap', 'formaction'], ins: ['cite'],
  link: ['href'], object: ['classid', 'codebase', 'data', 'usemap'], q: ['cite'], script: ['src'], source: ['src'], video: ['poster', 'src'],
};

export function rewriteHTML(html: string, rewrite: (url: string) => string): string {
  const edits: Array<{ start: number; end: number; value: string }> = [];
  let tag = '';
  let attr = '';
  let value: { start: number; end: number } | undefined;
  const tokenizer = new Tokenizer({ decodeEntities: false }, {
    onopentagname: (start, end) => {
      tag = html.slice(start, end).toLowerCase();
    },
    onattribname: (start, end) => {
      attr = html.slice(start, end).toLowerCase();
      value = undefined;
    },
    onattribdata: (start, end) => {
      value = value ? { start: value.start, end } : { start, end };
    },
    onattribend: () => {
      if (value && URL_ATTRS[tag]?.includes(attr)) {
        const old = html.slice(value.start, value.end);
        const next = rewrite(old);
        if (next !== old) edits.push({ start: value.start, end: value.end, value: next });
      }
      value = undefined;
    },
    onattribentity: () => undefined,
    oncdata: () => undefined,
    onclosetag: () => undefined,
    oncomment: () => undefined,
    ondeclaration: () => undefined,
    onend: () => undefined,
    onopentagend: () => undefined,
    onprocessinginstruction: () => undefined,
    onselfclosingtag: () => undefined,
    ontext: () => undefined,
    ontextentity: () => undefined,
  });
  tokenizer.write(html);
  tokenizer.end();
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += html.slice(at, e.start) + e.value;
    at = e.end;
  }
  return out + html.slice(at);
}
