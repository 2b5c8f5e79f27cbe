export const CLASSIC_CONNECTIONS: number;
/**
 * Writes a classic pcap of `packets` small Ethernet/IPv4 frames over `connections` distinct 5-tuples
 * (default 5,000 TCP conversations; any other count mixes scans, DNS, health checks and requests); returns its size in bytes.
 */
export function writeSyntheticPcap(file: string, packets: number, options?: { connections?: number }): number;
