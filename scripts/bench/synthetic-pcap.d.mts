/** Writes a classic pcap of `packets` small Ethernet/IPv4/TCP frames over `flows` connections (default 5,000); returns its size in bytes. */
export function writeSyntheticPcap(file: string, packets: number, flows?: number): number;
