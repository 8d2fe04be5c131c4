// ClusterIP and NodePort allocation. The bitmaps live in etcd and change in the SAME transaction as the
// Service, conditioned on their mod_revision, so concurrent creates (even from several apiservers) never
// hand out the same IP/port. Inside one apiserver, service writes are serialized to avoid retry storms.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { randomInt } from 'node:crypto';
import type { Store, TxnExtra } from '../../../storage/etcd';
import { fe, type Cause } from '../../../registry/fielderrors';
import { Bitmap, IpRange } from './bitmap';

type Obj = Record<string, any>;

export interface AllocState {
  ipRange: IpRange;
  portRange: [number, number];
  ips: Bitmap;
  ports: Bitmap;
}

const usesNodePorts = (svc: Obj | undefined) => svc?.spec?.type === 'NodePort' || svc?.spec?.type === 'LoadBalancer';

function serviceIps(svc: Obj | undefined, range: IpRange): number[] {
  const s = svc?.spec;
  if (!s) return [];
  const ips: string[] = Array.isArray(s.clusterIPs) && s.clusterIPs.length ? s.clusterIPs : s.clusterIP ? [s.clusterIP] : [];
  return ips.map((ip) => range.offset(ip)).filter((o): o is number => o !== undefined);
}

function serviceNodePorts(svc: Obj | undefined): number[] {
  if (!usesNodePorts(svc) || !Array.isArray(svc!.spec.ports)) return [];
  return svc!.spec.ports.map((p: Obj) => p?.nodePort).filter((n: unknown): n is number => typeof n === 'number' && n > 0);
}

/**
 * Apply the allocation changes from `old` to `next` (either may be undefined: create / delete) to the
 * bitmaps, filling in clusterIP(s) and nodePorts of `next`. Returns causes when a requested value is taken
 * or out of range; the bitmaps are then unusable (callers re-read them).
 */
export function planAllocations(next: Obj | undefined, old: Obj | undefined, st: AllocState): { causes: Cause[]; ipsChanged: boolean; portsChanged: boolean } {
  const causes: Cause[] = [];
  let ipsChanged = false;
  let portsChanged = false;
  const { ipRange, portRange, ips, ports } = st;

  const oldIps = new Set(serviceIps(old, ipRange));
  const oldPorts = new Set(serviceNodePorts(old));

  if (next?.spec && next.spec.type !== 'ExternalName') {
    const s = next.spec;
    if (s.clusterIP === 'None') {
      s.clusterIPs = ['None'];
    } else if (s.clusterIP) {
      const off = ipRange.offset(s.clusterIP);
      if (!old || !oldIps.has(off ?? -1)) {
        if (off === undefined)
          causes.push(fe.invalid('spec.clusterIPs', [s.clusterIP], `failed to allocate IP ${s.clusterIP}: the provided IP (${s.clusterIP}) is not in the valid range. The range of valid IPs is ${ipRange.cidr}`));
        else if (ips.has(off)) causes.push(fe.invalid('spec.clusterIPs', [s.clusterIP], `failed to allocate IP ${s.clusterIP}: provided IP is already allocated`));
        else {
          ips.set(off);
          ipsChanged = true;
        }
      }
      s.clusterIPs = [s.clusterIP];
    } else {
      const off = ips.findFree(ipRange.first, ipRange.last, randomInt(ipRange.first, ipRange.last + 1));
      if (off === undefined) causes.push(fe.invalid('spec.clusterIPs', [], `failed to allocate a serviceIP: range is full`));
      else {
        ips.set(off);
        ipsChanged = true;
        s.clusterIP = ipRange.ip(off);
        s.clusterIPs = [s.clusterIP];
      }
    }
    if (usesNodePorts(next) && Array.isArray(s.ports)) {
      const [lo, hi] = portRange;
      const requested = (p: Obj): boolean => typeof p.nodePort === 'number' && p.nodePort > 0;
      // Requested ports first, so a random pick for another port of this Service cannot take one of them.
      s.ports.forEach((p: Obj, i: number) => {
        if (!p || typeof p !== 'object' || !requested(p) || oldPorts.has(p.nodePort)) return;
        const off = p.nodePort - lo;
        if (p.nodePort < lo || p.nodePort > hi)
          causes.push(fe.invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`));
        else if (ports.has(off)) causes.push(fe.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
        else {
          ports.set(off);
          portsChanged = true;
        }
      });
      s.ports.forEach((p: Obj, i: number) => {
        if (!p || typeof p !== 'object' || requested(p)) return;
        const off = ports.findFree(0, hi - lo, randomInt(0, hi - lo + 1));
        if (off === undefined) causes.push(fe.invalid(`spec.ports[${i}].nodePort`, 0, 'failed to allocate a nodePort: range is full'));
        else {
          ports.set(off);
          portsChanged = true;
          p.nodePort = lo + off;
        }
      });
    } else if (Array.isArray(s.ports)) {
      for (const p of s.ports) if (p && typeof p === 'object') delete p.nodePort;
    }
  }

  // Release what the old object held and the new one no longer does.
  const keepIps = new Set(serviceIps(next, ipRange));
  const keepPorts = new Set(serviceNodePorts(next));
  for (const o of oldIps)
    if (!keepIps.has(o)) {
      ips.clear(o);
      ipsChanged = true;
    }
  for (const p of oldPorts)
    if (!keepPorts.has(p) && p >= portRange[0] && p <= portRange[1]) {
      ports.clear(p - portRange[0]);
      portsChanged = true;
    }
  return { causes, ipsChanged, portsChanged };
}

export class ServiceAllocator {
  readonly ipKey: string;
  readonly portKey: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    root: string,
    readonly ipRange: IpRange,
    readonly portRange: [number, number],
  ) {
    const r = root.replace(/\/+$/, '');
    this.ipKey = `${r}/ranges/serviceips`;
    this.portKey = `${r}/ranges/servicenodeports`;
  }

  /** Run fn with service writes serialized in this process. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Read both bitmaps, plan, and return the extra txn ops (compares on the bitmaps' revisions). */
  async plan(next: Obj | undefined, old: Obj | undefined): Promise<{ causes: Cause[]; extra: TxnExtra }> {
    const [ipRaw, portRaw] = await Promise.all([this.store.getRaw(this.ipKey), this.store.getRaw(this.portKey)]);
    const st: AllocState = {
      ipRange: this.ipRange,
      portRange: this.portRange,
      ips: Bitmap.parse(this.ipRange.size, this.ipRange.cidr, ipRaw.value),
      ports: Bitmap.parse(this.portRange[1] - this.portRange[0] + 1, `${this.portRange[0]}-${this.portRange[1]}`, portRaw.value),
    };
    const { causes, ipsChanged, portsChanged } = planAllocations(next, old, st);
    const extra: TxnExtra = {
      compares: [
        { key: this.ipKey, modRev: ipRaw.modRev },
        { key: this.portKey, modRev: portRaw.modRev },
      ],
      puts: [],
    };
    if (ipsChanged) extra.puts.push({ key: this.ipKey, value: st.ips.serialize(this.ipRange.cidr) });
    if (portsChanged) extra.puts.push({ key: this.portKey, value: st.ports.serialize(`${this.portRange[0]}-${this.portRange[1]}`) });
    return { causes, extra };
  }
}
