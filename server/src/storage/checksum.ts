import zlib from 'node:zlib'

/** CRC-32 of a stored record, so corruption on disk is detected at load time. */
export function checksum(data: Uint8Array): number {
  return zlib.crc32(data)
}
