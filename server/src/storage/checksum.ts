import zlib from 'node:zlib'

/** CRC-32 of a stored record, so corruption on disk is detected at load time. */
export function checksum(data: Uint8Array): number {
  return zlib.crc32(data)
}

/** CRC-32 of several byte strings read as one (a version's summary, then its body). */
export function checksumOf(...parts: readonly Uint8Array[]): number {
  let crc = 0
  for (const part of parts) crc = zlib.crc32(part, crc)
  return crc
}
