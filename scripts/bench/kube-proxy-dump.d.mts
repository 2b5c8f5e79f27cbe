/** Writes a kube-proxy-shaped iptables-save dump of `services` services with `endpointsPerService` endpoints each; returns the number of rules. */
export function writeKubeProxyDump(file: string, services: number, endpointsPerService: number): number;
