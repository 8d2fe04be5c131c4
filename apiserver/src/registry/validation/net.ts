// IPs, CIDRs, ports and protocols as field causes (the parsing rules live in @minik8s/shared, where the nodes
// use them too).
import { cidrErrors, inclusiveRange, ipErrors, ipFamilyErrors, isPortNumber, PROTOCOLS, specialIPErrors, type IPFamily } from '@minik8s/shared';
import { fe } from '../fielderrors';
import { each, portNameErrors } from './names';
import { int32, oneOf, type Errs } from './values';

/** IsValidIPForLegacyField (strict): true when valid. */
export function ip(errs: Errs, path: string, v: string): boolean {
  const msgs = ipErrors(v);
  each(errs, path, v, msgs);
  return msgs.length === 0;
}

/** An IP of one family (IsValidIPv4Address / IsValidIPv6Address). */
export function ipOfFamily(errs: Errs, path: string, v: string, family: IPFamily): boolean {
  const msgs = ipFamilyErrors(v, family);
  each(errs, path, v, msgs);
  return msgs.length === 0;
}

/** ValidateNonSpecialIP (after the IP itself parsed). */
export const nonSpecialIP = (errs: Errs, path: string, v: string) => each(errs, path, v, specialIPErrors(v));

/** An IP that is neither unspecified, loopback nor link-local (endpoints, external IPs). */
export function endpointIP(errs: Errs, path: string, v: string): void {
  if (ip(errs, path, v)) nonSpecialIP(errs, path, v);
}

/** IsValidCIDRForLegacyField (strict). */
export const cidr = (errs: Errs, path: string, v: string) => each(errs, path, v, cidrErrors(v));

/**
 * IsValidPortNum on an int32 field. Absent is Go's 0: `valid` reports it as out of range (as upstream for
 * service and endpoint ports), `required` as Required (container ports), `optional` lets it be (host ports).
 */
export function portNum(errs: Errs, path: string, v: unknown, zero: 'valid' | 'required' | 'optional' = 'valid'): number | undefined {
  const n = int32(errs, path, v) ?? (v === undefined || v === null ? 0 : undefined);
  if (n === undefined) return undefined;
  if (n === 0 && zero !== 'valid') {
    if (zero === 'required') errs.push(fe.required(path));
    return undefined;
  }
  if (!isPortNumber(n)) {
    errs.push(fe.invalid(path, n, inclusiveRange(1, 65535)));
    return undefined;
  }
  return n;
}

/** ValidatePortNumOrName: an IntOrString that is a port number or an IANA service name. */
export function portNumOrName(errs: Errs, path: string, v: unknown): void {
  if (typeof v === 'number') {
    if (!isPortNumber(v)) errs.push(fe.invalid(path, v, inclusiveRange(1, 65535)));
  } else if (typeof v === 'string') each(errs, path, v, portNameErrors(v));
  else errs.push(fe.type(path, v, 'integer or string'));
}

/** The port protocol (required: defaults fill it in before validation). */
export const protocol = (errs: Errs, path: string, v: unknown) => oneOf(errs, path, v, PROTOCOLS, true);
