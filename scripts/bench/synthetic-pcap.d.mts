/** Writes a classic pcap of `packets` small Ethernet/IPv4/TCP frames over many flows; returns its size in bytes. */
export function writeSyntheticPcap(file: string, packets: number): number;
