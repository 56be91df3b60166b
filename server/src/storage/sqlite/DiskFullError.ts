/**
 * The database cannot be opened because its filesystem is full: SQLite needs room for the WAL and
 * its index (`-wal`, `-shm`) to open the file at all. Starting again once there is space works.
 */
export class DiskFullError extends Error {
  override name = 'DiskFullError'

  constructor(
    /** Absolute path of the database file. */
    readonly file: string,
    /** Bytes still available to this process on the file's filesystem. */
    readonly freeBytes: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Tandem cannot open the database ${file}: its filesystem is full (${freeBytes} bytes ` +
        `free), and SQLite needs room for ${file}-wal and ${file}-shm to open it. Nothing was ` +
        'changed; free some space (or grow the volume) and start Tandem again.',
      options,
    )
  }
}
