import { ApiErrorCode } from '@tandem/shared'
import { ConversionError, ConversionErrorCode } from '../convert/Converter.js'
import { ApiHttpError } from './errors.js'

/**
 * A `catch` handler that rethrows a failed conversion as the API's error: content that cannot be
 * converted is `400`, a busy or closing converter `503`, a conversion over the time limit
 * `timedOut` (`413` for an import: the content is too much; `503` for an export). Anything else
 * passes through (a 500).
 */
export function throwConversionFailure(timedOut: ApiErrorCode): (err: unknown) => never {
  return (err) => {
    if (!(err instanceof ConversionError)) throw err
    switch (err.code) {
      case ConversionErrorCode.unconvertible:
        throw new ApiHttpError(ApiErrorCode.badRequest, err.message)
      case ConversionErrorCode.timedOut:
        throw new ApiHttpError(timedOut, err.message)
      case ConversionErrorCode.busy:
      case ConversionErrorCode.closed:
        throw new ApiHttpError(ApiErrorCode.unavailable, err.message)
      case ConversionErrorCode.failed:
        throw err
    }
  }
}
