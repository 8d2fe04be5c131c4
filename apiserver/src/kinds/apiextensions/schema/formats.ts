// The string formats a custom resource's schema may check (upstream's supported formats; any other format
// is documentation only, as upstream strips it before validating). Each check follows the Go parser
// upstream's format registry uses.
import ipaddr from 'ipaddr.js';
import { parseDurationNs } from '@minik8s/shared';
import { RE2JS } from '@bufbuild/re2';

const re = (p: string) => RE2JS.compile(p);
const RFC3339 = re('^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$');
const DATE = re('^\\d{4}-\\d{2}-\\d{2}$');
const UUID = re('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$');
const UUID3 = re('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$');
const UUID4 = re('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$');
const UUID5 = re('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$');
const HOSTNAME = re(
  '^([a-zA-Z0-9\\p{S}\\p{L}]((-?[a-zA-Z0-9\\p{S}\\p{L}]{0,62})?)|([a-zA-Z0-9\\p{S}\\p{L}](([a-zA-Z0-9-\\p{S}\\p{L}]{0,61}[a-zA-Z0-9\\p{S}\\p{L}])?)(\\.)){1,}([a-zA-Z\\p{L}]){2,63})$',
);
const MAC = re('^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{2}[:-]){7}([0-9A-Fa-f]{2})$|^([0-9A-Fa-f]{4}\\.){2}[0-9A-Fa-f]{4}$');
const HEXCOLOR = re('^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$');
const RGBCOLOR = re('^rgb\\(\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*\\)$');
const SSN = re('^\\d{3}[- ]?\\d{2}[- ]?\\d{4}$');
const BSON = re('^[0-9a-fA-F]{24}$');
const EMAIL = re('^[^@\\s<>()]+@[^@\\s<>()]+$');
const BASE64 = re('^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$');

function validDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function validCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0 || !ipaddr.isValid(s.slice(0, slash)) || !/^\d{1,3}$/.test(s.slice(slash + 1))) return false;
  return Number(s.slice(slash + 1)) <= (ipaddr.parse(s.slice(0, slash)).kind() === 'ipv4' ? 32 : 128);
}

function validUri(s: string): boolean {
  // net/url.ParseRequestURI: an absolute URI or an absolute path
  if (s.startsWith('/')) return !/\s/.test(s);
  try {
    return new URL(s).protocol.length > 1;
  } catch {
    return false;
  }
}

function validDuration(s: string): boolean {
  try {
    parseDurationNs(s);
    return true;
  } catch {
    return false;
  }
}

const CHECKS: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => BSON.test(s),
  uri: validUri,
  email: (s) => EMAIL.test(s),
  hostname: (s) => HOSTNAME.test(s),
  ipv4: (s) => ipaddr.isValid(s) && ipaddr.parse(s).kind() === 'ipv4' && /^[0-9.]+$/.test(s),
  ipv6: (s) => s.includes(':') && ipaddr.isValid(s),
  cidr: validCidr,
  mac: (s) => MAC.test(s),
  uuid: (s) => UUID.test(s),
  uuid3: (s) => UUID3.test(s),
  uuid4: (s) => UUID4.test(s),
  uuid5: (s) => UUID5.test(s),
  ssn: (s) => SSN.test(s),
  hexcolor: (s) => HEXCOLOR.test(s),
  rgbcolor: (s) => RGBCOLOR.test(s),
  byte: (s) => BASE64.test(s),
  password: () => true,
  date: (s) => DATE.test(s) && validDate(s),
  duration: validDuration,
  datetime: (s) => RFC3339.test(s) && validDate(s),
};

/** The check of a format (names normalized as go-openapi does: without dashes), undefined when it is not checked. */
export function formatCheck(format: string | undefined): ((s: string) => boolean) | undefined {
  return format ? CHECKS[format.replace(/-/g, '')] : undefined;
}
