/** Counts shared by all fuzz workers, and the budget of frames they draw from. */
export class Tally {
  sent = 0
  /** Fuzz frames the server is known to have handled (a pong or a bad-input close followed). */
  handled = 0
  connections = 0
  readonly closes = new Map<number, number>()
  readonly categories = new Map<string, number>()
  readonly violations: string[] = []
  /** Client ids of every decodable update sent to the shared document. */
  readonly storedIds = new Set<number>()
  deniedWrites = 0
  constructor(
    readonly budget: number,
    readonly deadline: number,
  ) {}
  /** Takes up to `n` frames of the budget; 0 once it is spent or the deadline passed. */
  take(n: number): number {
    if (Date.now() > this.deadline) return 0
    const granted = Math.max(0, Math.min(n, this.budget - this.sent))
    this.sent += granted
    return granted
  }
  violation(what: string): void {
    if (this.violations.length < 50) this.violations.push(what)
  }
}
