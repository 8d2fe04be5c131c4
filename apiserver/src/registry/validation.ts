// Validation as upstream's ValidateObjectMeta / ValidatePod / ValidateDeployment ..., producing causes
// that name each bad field. Only the rules that protect the controllers and kubelet are here.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { ResourceType } from '@minik8s/shared';
import { labelSelectorFromObject, matchesLabels } from '@minik8s/shared';
import { fe, type Cause, dns1123LabelErrors, dns1123SubdomainErrors, dns1035LabelErrors, qualifiedNameErrors, labelValueErrors } from './fielderrors';

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** Which name rule each kind uses (upstream: most are subdomains). */
const NAME_RULES: Record<string, (v: string) => string[]> = {
  Namespace: dns1123LabelErrors,
  Service: dns1035LabelErrors,
  ServiceAccount: dns1123SubdomainErrors,
  Job: dns1123SubdomainErrors,
  CronJob: dns1123SubdomainErrors,
};

export function nameErrors(kind: string, name: string): string[] {
  return (NAME_RULES[kind] ?? dns1123SubdomainErrors)(name);
}

export function validateMeta(r: ResourceType, meta: any): Cause[] {
  const errs: Cause[] = [];
  if (!isObj(meta)) return [fe.required('metadata')];
  if (!meta.name) errs.push(fe.required('metadata.name', 'name or generateName is required'));
  else if (typeof meta.name !== 'string') errs.push(fe.invalid('metadata.name', meta.name, 'must be a string'));
  else if (r.kind !== 'Event') for (const m of nameErrors(r.kind, meta.name)) errs.push(fe.invalid('metadata.name', meta.name, m));
  if (r.namespaced && !meta.namespace) errs.push(fe.required('metadata.namespace'));
  if (!r.namespaced && meta.namespace) errs.push(fe.forbidden('metadata.namespace', 'not allowed on this type'));
  if (meta.labels !== undefined && meta.labels !== null) {
    if (!isObj(meta.labels)) errs.push(fe.invalid('metadata.labels', meta.labels, 'must be a map of strings'));
    else
      for (const [k, v] of Object.entries(meta.labels)) {
        for (const m of qualifiedNameErrors(k)) errs.push(fe.invalid('metadata.labels', k, m));
        if (typeof v !== 'string') errs.push(fe.invalid(`metadata.labels`, v, 'must be a string'));
        else for (const m of labelValueErrors(v)) errs.push(fe.invalid('metadata.labels', v, m));
      }
  }
  if (meta.annotations !== undefined && meta.annotations !== null) {
    if (!isObj(meta.annotations)) errs.push(fe.invalid('metadata.annotations', meta.annotations, 'must be a map of strings'));
    else {
      let size = 0;
      for (const [k, v] of Object.entries(meta.annotations)) {
        for (const m of qualifiedNameErrors(k)) errs.push(fe.invalid('metadata.annotations', k, m));
        if (typeof v !== 'string') errs.push(fe.invalid('metadata.annotations', v, 'must be a string'));
        size += k.length + String(v).length;
      }
      if (size > 256 * 1024) errs.push({ field: 'metadata.annotations', reason: 'FieldValueTooLong', message: 'Too long: must have at most 262144 bytes' });
    }
  }
  if (meta.finalizers !== undefined && !Array.isArray(meta.finalizers)) errs.push(fe.invalid('metadata.finalizers', meta.finalizers, 'must be a list'));
  return errs;
}

function validatePort(field: string, v: unknown, errs: Cause[], required = true): void {
  if (v === undefined || v === null) {
    if (required) errs.push(fe.required(field));
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) errs.push(fe.invalid(field, v, 'must be between 1 and 65535, inclusive'));
}

function validateProtocol(field: string, v: unknown, errs: Cause[]): void {
  if (v !== undefined && !['TCP', 'UDP', 'SCTP'].includes(v as string)) errs.push(fe.notSupported(field, v, ['SCTP', 'TCP', 'UDP']));
}

function validateContainers(path: string, list: unknown, errs: Cause[], required: boolean, names: Set<string>): void {
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    if (required) errs.push(fe.required(path));
    return;
  }
  if (!Array.isArray(list)) {
    errs.push(fe.invalid(path, list, 'must be a list'));
    return;
  }
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) return errs.push(fe.invalid(p, c, 'must be an object'));
    if (!c.name) errs.push(fe.required(`${p}.name`));
    else if (typeof c.name !== 'string') errs.push(fe.invalid(`${p}.name`, c.name, 'must be a string'));
    else {
      for (const m of dns1123LabelErrors(c.name)) errs.push(fe.invalid(`${p}.name`, c.name, m));
      if (names.has(c.name)) errs.push(fe.duplicate(`${p}.name`, c.name));
      names.add(c.name);
    }
    if (!c.image || typeof c.image !== 'string' || !c.image.trim()) errs.push(fe.required(`${p}.image`));
    if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy))
      errs.push(fe.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
    if (c.command !== undefined && !Array.isArray(c.command)) errs.push(fe.invalid(`${p}.command`, c.command, 'must be a list of strings'));
    if (c.args !== undefined && !Array.isArray(c.args)) errs.push(fe.invalid(`${p}.args`, c.args, 'must be a list of strings'));
    if (c.ports !== undefined) {
      if (!Array.isArray(c.ports)) errs.push(fe.invalid(`${p}.ports`, c.ports, 'must be a list'));
      else
        c.ports.forEach((port: any, j: number) => {
          const pp = `${p}.ports[${j}]`;
          if (!isObj(port)) return errs.push(fe.invalid(pp, port, 'must be an object'));
          validatePort(`${pp}.containerPort`, port.containerPort, errs);
          validatePort(`${pp}.hostPort`, port.hostPort, errs, false);
          validateProtocol(`${pp}.protocol`, port.protocol, errs);
        });
    }
    if (c.env !== undefined) {
      if (!Array.isArray(c.env)) errs.push(fe.invalid(`${p}.env`, c.env, 'must be a list'));
      else c.env.forEach((e: any, j: number) => { if (!isObj(e) || !e.name) errs.push(fe.required(`${p}.env[${j}].name`)); });
    }
  });
}

export function validatePodSpec(path: string, spec: any, errs: Cause[]): void {
  if (!isObj(spec)) {
    errs.push(fe.required(path));
    return;
  }
  const names = new Set<string>();
  validateContainers(`${path}.containers`, spec.containers, errs, true, names);
  validateContainers(`${path}.initContainers`, spec.initContainers, errs, false, names);
  if (spec.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy))
    errs.push(fe.notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always', 'Never', 'OnFailure']));
  if (spec.dnsPolicy !== undefined && !['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'].includes(spec.dnsPolicy))
    errs.push(fe.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']));
  if (spec.terminationGracePeriodSeconds !== undefined && (typeof spec.terminationGracePeriodSeconds !== 'number' || spec.terminationGracePeriodSeconds < 0))
    errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  if (spec.volumes !== undefined) {
    if (!Array.isArray(spec.volumes)) errs.push(fe.invalid(`${path}.volumes`, spec.volumes, 'must be a list'));
    else {
      const vn = new Set<string>();
      spec.volumes.forEach((v: any, i: number) => {
        const p = `${path}.volumes[${i}].name`;
        if (!isObj(v) || !v.name) return errs.push(fe.required(p));
        for (const m of dns1123LabelErrors(String(v.name))) errs.push(fe.invalid(p, v.name, m));
        if (vn.has(v.name)) errs.push(fe.duplicate(p, v.name));
        vn.add(v.name);
      });
    }
  }
  if (spec.nodeName !== undefined && spec.nodeName !== '' && typeof spec.nodeName === 'string')
    for (const m of dns1123SubdomainErrors(spec.nodeName)) errs.push(fe.invalid(`${path}.nodeName`, spec.nodeName, m));
}

function nonNegative(field: string, v: unknown, errs: Cause[]): void {
  if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
    errs.push(fe.invalid(field, v, 'must be greater than or equal to 0'));
}

/** selector required, non-empty, and matching the template's labels (workload controllers). */
function validateSelectorAndTemplate(spec: Obj, errs: Cause[], requireSelector = true): void {
  const sel = spec.selector;
  if (!isObj(sel) || (!isObj(sel.matchLabels) && !Array.isArray(sel.matchExpressions)) || (Object.keys(sel.matchLabels ?? {}).length === 0 && !(sel.matchExpressions ?? []).length)) {
    if (requireSelector) errs.push(fe.required('spec.selector'));
  }
  if (!isObj(spec.template)) {
    errs.push(fe.required('spec.template'));
    return;
  }
  const labels = spec.template.metadata?.labels ?? {};
  if (isObj(sel) && (isObj(sel.matchLabels) || Array.isArray(sel.matchExpressions))) {
    try {
      if (!matchesLabels(labelSelectorFromObject(sel as any), labels))
        errs.push(fe.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    } catch (e) {
      errs.push(fe.invalid('spec.selector', sel, (e as Error).message));
    }
  }
  validatePodSpec('spec.template.spec', spec.template.spec, errs);
}

export function validateService(svc: Obj, errs: Cause[], nodePortRange?: [number, number]): void {
  const spec = svc.spec;
  if (!isObj(spec)) return void errs.push(fe.required('spec'));
  const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (!types.includes(spec.type)) errs.push(fe.notSupported('spec.type', spec.type, types));
  const headless = spec.clusterIP === 'None';
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(fe.required('spec.externalName'));
  } else if (!headless && (!Array.isArray(spec.ports) || spec.ports.length === 0)) errs.push(fe.required('spec.ports'));
  if (headless && (spec.type === 'NodePort' || spec.type === 'LoadBalancer')) errs.push(fe.invalid('spec.clusterIP', 'None', 'may not be set to \'None\' for LoadBalancer or NodePort services'));
  if (spec.sessionAffinity !== undefined && !['None', 'ClientIP'].includes(spec.sessionAffinity)) errs.push(fe.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  if (Array.isArray(spec.ports)) {
    const names = new Set<string>();
    const seen = new Set<string>();
    spec.ports.forEach((p: any, i: number) => {
      const pp = `spec.ports[${i}]`;
      if (!isObj(p)) return errs.push(fe.invalid(pp, p, 'must be an object'));
      if (spec.ports.length > 1 && !p.name) errs.push(fe.required(`${pp}.name`));
      if (p.name) {
        for (const m of dns1123LabelErrors(String(p.name))) errs.push(fe.invalid(`${pp}.name`, p.name, m));
        if (names.has(p.name)) errs.push(fe.duplicate(`${pp}.name`, p.name));
        names.add(p.name);
      }
      validatePort(`${pp}.port`, p.port, errs);
      validateProtocol(`${pp}.protocol`, p.protocol, errs);
      const k = `${p.port}/${p.protocol ?? 'TCP'}`;
      if (seen.has(k)) errs.push(fe.duplicate(pp, { port: p.port, protocol: p.protocol }));
      seen.add(k);
      if (typeof p.targetPort === 'number') validatePort(`${pp}.targetPort`, p.targetPort, errs);
      else if (p.targetPort !== undefined && (typeof p.targetPort !== 'string' || !p.targetPort)) errs.push(fe.invalid(`${pp}.targetPort`, p.targetPort, 'must be a port number or name'));
      if (p.nodePort !== undefined && p.nodePort !== null && p.nodePort !== 0) {
        if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') errs.push(fe.forbidden(`${pp}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
        else if (nodePortRange && (typeof p.nodePort !== 'number' || p.nodePort < nodePortRange[0] || p.nodePort > nodePortRange[1]))
          errs.push(fe.invalid(`${pp}.nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${nodePortRange[0]}-${nodePortRange[1]}`));
      }
    });
  }
  if (spec.selector !== undefined && spec.selector !== null && !isObj(spec.selector)) errs.push(fe.invalid('spec.selector', spec.selector, 'must be a map of strings'));
}

/** Validate an object about to be stored; returns causes (empty = valid). */
/** An int ≥ 0 or a percent string "N%" with N ≤ 100 (upstream ValidatePositiveIntOrPercent + IsNotMoreThan100Percent). */
function intOrPercent(field: string, v: unknown, errs: Cause[]): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) errs.push(fe.invalid(field, v, 'must be greater than or equal to 0'));
  } else if (typeof v !== 'string' || !/^[0-9]+%$/.test(v)) {
    errs.push(fe.invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  } else if (parseInt(v, 10) > 100) {
    errs.push(fe.invalid(field, v, 'must not be greater than 100%'));
  }
}

/** policy/v1 ValidatePodDisruptionBudgetSpec. */
function validatePodDisruptionBudget(spec: unknown, errs: Cause[]): void {
  if (!isObj(spec)) return;
  if (spec.minAvailable != null && spec.maxUnavailable != null) errs.push(fe.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  intOrPercent('spec.minAvailable', spec.minAvailable, errs);
  intOrPercent('spec.maxUnavailable', spec.maxUnavailable, errs);
  if (spec.selector != null) {
    try {
      labelSelectorFromObject(spec.selector);
    } catch (e) {
      errs.push(fe.invalid('spec.selector', spec.selector, (e as Error).message));
    }
  }
  if (spec.unhealthyPodEvictionPolicy != null && !['IfHealthyBudget', 'AlwaysAllow'].includes(spec.unhealthyPodEvictionPolicy))
    errs.push(fe.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, ['AlwaysAllow', 'IfHealthyBudget']));
}

export function validate(r: ResourceType, obj: Obj, opts: { nodePortRange?: [number, number] } = {}): Cause[] {
  const errs = validateMeta(r, obj.metadata);
  const spec = obj.spec;
  switch (r.kind) {
    case 'Pod':
      validatePodSpec('spec', spec, errs);
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      if (!isObj(spec)) {
        errs.push(fe.required('spec'));
        break;
      }
      nonNegative('spec.replicas', spec.replicas, errs);
      validateSelectorAndTemplate(spec, errs);
      if (r.kind !== 'DaemonSet' && r.kind !== 'StatefulSet' && spec.template?.spec?.restartPolicy !== undefined && spec.template.spec.restartPolicy !== 'Always')
        errs.push(fe.notSupported('spec.template.spec.restartPolicy', spec.template.spec.restartPolicy, ['Always']));
      if (r.kind === 'Deployment' && spec.strategy?.type !== undefined && !['RollingUpdate', 'Recreate'].includes(spec.strategy.type))
        errs.push(fe.notSupported('spec.strategy.type', spec.strategy.type, ['Recreate', 'RollingUpdate']));
      if (r.kind === 'Deployment' && spec.strategy?.type === 'Recreate' && spec.strategy.rollingUpdate)
        errs.push(fe.forbidden('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\''));
      break;
    case 'ReplicationController':
      if (!isObj(spec)) break;
      nonNegative('spec.replicas', spec.replicas, errs);
      if (isObj(spec.template)) {
        const labels = spec.template.metadata?.labels ?? {};
        if (isObj(spec.selector) && !Object.entries(spec.selector).every(([k, v]) => labels[k] === v))
          errs.push(fe.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
        validatePodSpec('spec.template.spec', spec.template.spec, errs);
      }
      break;
    case 'Job':
      if (!isObj(spec)) {
        errs.push(fe.required('spec'));
        break;
      }
      for (const f of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds']) nonNegative(`spec.${f}`, spec[f], errs);
      validateSelectorAndTemplate(spec, errs, false);
      if (isObj(spec.template?.spec) && !['OnFailure', 'Never'].includes(spec.template.spec.restartPolicy))
        errs.push(fe.notSupported('spec.template.spec.restartPolicy', spec.template.spec.restartPolicy, ['OnFailure', 'Never']));
      break;
    case 'CronJob':
      if (!isObj(spec)) {
        errs.push(fe.required('spec'));
        break;
      }
      if (!spec.schedule || typeof spec.schedule !== 'string') errs.push(fe.required('spec.schedule'));
      if (!isObj(spec.jobTemplate)) errs.push(fe.required('spec.jobTemplate'));
      else if (isObj(spec.jobTemplate.spec?.template)) validatePodSpec('spec.jobTemplate.spec.template.spec', spec.jobTemplate.spec.template.spec, errs);
      if (spec.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy))
        errs.push(fe.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
      break;
    case 'Service':
      validateService(obj, errs, opts.nodePortRange);
      break;
    case 'ConfigMap':
    case 'Secret':
      for (const f of ['data', 'binaryData', 'stringData']) {
        const d = obj[f];
        if (d === undefined || d === null) continue;
        if (!isObj(d)) {
          errs.push(fe.invalid(f, d, 'must be a map'));
          continue;
        }
        for (const k of Object.keys(d))
          if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253)
            errs.push(fe.invalid(`${f}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      }
      break;
    case 'Node':
      if (isObj(spec) && spec.podCIDR !== undefined && typeof spec.podCIDR !== 'string') errs.push(fe.invalid('spec.podCIDR', spec.podCIDR, 'must be a CIDR'));
      break;
    case 'HorizontalPodAutoscaler':
      if (!isObj(spec)) {
        errs.push(fe.required('spec'));
        break;
      }
      if (!isObj(spec.scaleTargetRef) || !spec.scaleTargetRef.kind || !spec.scaleTargetRef.name) errs.push(fe.required('spec.scaleTargetRef'));
      if (typeof spec.maxReplicas !== 'number' || spec.maxReplicas < 1) errs.push(fe.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to 1'));
      if (typeof spec.minReplicas === 'number' && typeof spec.maxReplicas === 'number' && spec.minReplicas > spec.maxReplicas)
        errs.push(fe.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
      break;
    case 'PodDisruptionBudget':
      validatePodDisruptionBudget(spec, errs);
      break;
    case 'Event':
      if (!isObj(obj.involvedObject)) errs.push(fe.required('involvedObject'));
      break;
  }
  return errs;
}
