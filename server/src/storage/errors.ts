/** Why a store refused or failed an operation; callers catch exactly the codes they mean. */
export const StoreErrorCode = {
  /** The document id or link token already exists. */
  exists: 'exists',
  /** The document does not exist. */
  notFound: 'not-found',
  /** The store was closed. */
  closed: 'closed',
  /** The store cannot be reached right now (database down, writer restarting); retry later. */
  unavailable: 'unavailable',
  /** A commit failed: nothing of the affected writes was stored. */
  commitFailed: 'commit-failed',
} as const
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode]

/** An error raised by a store, with a machine-readable {@link StoreErrorCode}. */
export class StoreError extends Error {
  override name = 'StoreError'
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** True if `error` is a {@link StoreError} with `code`. */
export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code)
}
