/**
 * Readers (proxied site requests) run together; a writer (a reload that restarts workerd and may hand a Worker's
 * port to another Worker) waits until the readers in flight finish and holds new readers back until it is done,
 * so no request straddles a reload. A reader that outlives `drainTimeoutMs` (a long download, a stream) no longer
 * holds the writer back: its connection is cut when workerd restarts.
 */
export class ReadWriteGate {
  private readers = 0;
  private pendingWriters = 0;
  private writersDone: Promise<void> = Promise.resolve();
  private releaseWriters: (() => void) | undefined;
  private drainWaiters: Array<() => void> = [];
  private writeChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly drainTimeoutMs: number) {}

  async read<T>(fn: () => Promise<T>): Promise<T> {
    while (this.pendingWriters > 0) await this.writersDone;
    this.readers++;
    try {
      return await fn();
    } finally {
      this.readers--;
      if (this.readers === 0) for (const wake of this.drainWaiters.splice(0)) wake();
    }
  }

  /** Runs `fn` alone; writers run one after another in call order. */
  write<T>(fn: () => Promise<T>): Promise<T> {
    if (this.pendingWriters++ === 0) this.writersDone = new Promise((resolve) => (this.releaseWriters = resolve));
    const run = async (): Promise<T> => {
      try {
        await this.drained();
        return await fn();
      } finally {
        if (--this.pendingWriters === 0) this.releaseWriters?.();
      }
    };
    const result = this.writeChain.then(run, run);
    this.writeChain = result.catch(() => undefined);
    return result;
  }

  private drained(): Promise<void> {
    if (this.readers === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.drainTimeoutMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.drainWaiters.push(done);
    });
  }
}
