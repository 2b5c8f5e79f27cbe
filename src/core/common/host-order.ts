/** Whether typed arrays hold their values little-endian here, as stored blocks and tapes are written: then a column is copied whole. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
