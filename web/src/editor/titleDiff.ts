/** One edit of the title text: delete `deleteCount` characters at `index`, then insert `insert`. */
export interface TitleEdit {
  index: number
  deleteCount: number
  insert: string
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff

/**
 * The smallest single edit that turns `prev` into `next` (the common start and end are kept), or
 * undefined when they are equal. Two people typing in different parts of the title then merge
 * instead of one overwriting the other. Indexes are UTF-16 offsets, as Y.Text uses, but an edit
 * never starts or ends inside a surrogate pair: Yjs would send each half as U+FFFD.
 */
export function diffTitle(prev: string, next: string): TitleEdit | undefined {
  if (prev === next) return undefined
  let startSame = 0
  const maxStart = Math.min(prev.length, next.length)
  while (startSame < maxStart && prev[startSame] === next[startSame]) startSame++
  if (startSame > 0 && isHighSurrogate(prev.charCodeAt(startSame - 1))) startSame--
  let endSame = 0
  while (
    endSame < prev.length - startSame &&
    endSame < next.length - startSame &&
    prev[prev.length - 1 - endSame] === next[next.length - 1 - endSame]
  ) {
    endSame++
  }
  if (endSame > 0 && isLowSurrogate(prev.charCodeAt(prev.length - endSame))) endSame--
  return {
    index: startSame,
    deleteCount: prev.length - startSame - endSame,
    insert: next.slice(startSame, next.length - endSame),
  }
}

/** One operation of a Yjs text delta. */
export interface TextDeltaOp {
  insert?: unknown
  delete?: number
  retain?: number
}

/**
 * Maps caret offset `offset` through a Yjs text delta: text inserted at or before it pushes it
 * right, text deleted before it pulls it left (never below 0).
 */
export function transformOffset(offset: number, delta: readonly TextDeltaOp[]): number {
  let index = 0
  let result = offset
  for (const op of delta) {
    if (op.retain !== undefined) {
      index += op.retain
    } else if (typeof op.insert === 'string') {
      if (index <= offset) result += op.insert.length
      index += op.insert.length
    } else if (op.delete !== undefined) {
      if (index < offset) result -= Math.min(op.delete, offset - index)
    }
    if (index > offset) break
  }
  return Math.max(0, result)
}
