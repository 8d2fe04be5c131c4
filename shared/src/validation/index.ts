// Value rules written once for the apiserver (which validates) and the nodes (which parse again before a
// value reaches a rule, a route, a mount or a command line).
export * from './ip';

/** upstream supportedPortProtocols, sorted as upstream lists them. */
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
export type PortProtocol = (typeof PROTOCOLS)[number];

export const isProtocol = (v: unknown): v is PortProtocol => typeof v === 'string' && (PROTOCOLS as readonly string[]).includes(v);

/** IsValidPortNum: an integer in 1..65535. */
export const isPortNumber = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;

/** upstream InclusiveRangeError. */
export const inclusiveRange = (lo: number, hi: number) => `must be between ${lo} and ${hi}, inclusive`;

/** upstream MaxClientIPServiceAffinitySeconds: sessionAffinityConfig.clientIP.timeoutSeconds is in (0, this]. */
export const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
