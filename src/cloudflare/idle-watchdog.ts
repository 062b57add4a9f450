/**
 * Fails a request only when no bytes move for `idleMs` — not after a fixed time — so a 50 MiB bucket on a slow
 * uplink succeeds as long as it progresses, while a dead connection is still noticed.
 *
 * Progress seen by the process is bytes handed to the socket, not bytes that left the machine: the kernel's send
 * buffer (Linux: up to 4 MiB, net.ipv4.tcp_wmem) still holds the tail of the body after the last byte was written,
 * and on a slow link draining it takes a while during which nothing observable happens. So once the body is written,
 * the first wait for the answer is extended by the time that tail takes at the rate the upload was measured to run
 * (see tailAllowanceMs). Measured on loopback through a 1 MiB/s throttle: 4.4 MB were still buffered when the
 * last byte was written, and the writer saw progress only in ~1.5 MB steps (Linux wakes a blocked writer when a
 * third of the buffer is free).
 */

/** Generous bound on what the socket and kernel buffers can hold after the body's last byte was handed over. */
export const MAX_BUFFERED_TAIL_BYTES = 8 * 1024 * 1024;
/** A pause between written chunks at least this long means the socket pushed back: the link sets the pace. */
export const BACKPRESSURE_GAP_MS = 20;
/**
 * The fastest drain the tail is assumed to have: a slow uplink (128 KiB/s, about 1 Mbit/s). Used when the body fit
 * into the buffers at once, so the link's rate could not be measured (on loopback, a 5 MiB body through a 1 MiB/s
 * throttle was handed over without a single pause, then took 4 s to arrive), and as a floor on a measured rate: a
 * pause between chunks can also be the event loop's doing, and the chunks after it then seem to fly.
 */
export const ASSUMED_SLOW_LINK_BYTES_PER_SECOND = 128 * 1024;

export interface UploadPace {
  /** Body bytes handed over in total. */
  bytes: number;
  /** When the body finished. */
  endedAt: number;
  /** Where the socket first pushed back: the rate is measured from there (before it, bytes only filled buffers). */
  pacedFrom: { at: number; bytes: number } | undefined;
}

/**
 * Extra time for the answer after the body was written: the buffered tail (at most MAX_BUFFERED_TAIL_BYTES, at most
 * the body) divided by the rate measured since the socket first pushed back, or by ASSUMED_SLOW_LINK_BYTES_PER_SECOND
 * when that is slower or nothing was measured. A few KiB of JSON thus add milliseconds; a bucket adds up to a minute
 * (more on a link measured slower than 128 KiB/s) before a silent link is declared dead.
 */
export function tailAllowanceMs(pace: UploadPace): number {
  const tail = Math.min(pace.bytes, MAX_BUFFERED_TAIL_BYTES);
  const assumed = ASSUMED_SLOW_LINK_BYTES_PER_SECOND / 1000;
  const elapsed = pace.pacedFrom ? pace.endedAt - pace.pacedFrom.at : 0;
  const moved = pace.pacedFrom ? pace.bytes - pace.pacedFrom.bytes : 0;
  const bytesPerMs = elapsed > 0 && moved > 0 ? Math.min(moved / elapsed, assumed) : assumed;
  return Math.ceil(tail / bytesPerMs);
}

export type TransferPhase = "upload" | "waiting" | "download";

/** Tracks the body's pace and the last moment bytes moved; fires `onIdle` after `idleMs` (+ allowance) of silence. */
export class IdleWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private phase: TransferPhase = "upload";
  private bytesSent = 0;
  private bytesReceived = 0;
  private lastChunkAt: number | undefined;
  private pacedFrom: UploadPace["pacedFrom"];
  private stopped = false;

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: (detail: { phase: TransferPhase; silentMs: number; bytesSent: number; bytesReceived: number }) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The request is on a socket: from now on, silence counts. `waiting` = there is no body to send. */
  start(phase: "upload" | "waiting" = "upload"): void {
    this.phase = phase;
    this.arm(this.idleMs);
  }

  /** Body bytes were handed to the socket. */
  sent(bytes: number): void {
    const now = this.now();
    if (this.pacedFrom === undefined && this.lastChunkAt !== undefined && now - this.lastChunkAt >= BACKPRESSURE_GAP_MS) {
      this.pacedFrom = { at: this.lastChunkAt, bytes: this.bytesSent };
    }
    this.lastChunkAt = now;
    this.bytesSent += bytes;
    this.arm(this.idleMs);
  }

  /** The whole body was handed over: wait for the answer, allowing for the buffered tail. */
  bodyDone(): void {
    const allowance = tailAllowanceMs({ bytes: this.bytesSent, endedAt: this.now(), pacedFrom: this.pacedFrom });
    this.phase = "waiting";
    this.arm(this.idleMs + allowance);
  }

  /** Answer bytes (headers or body) arrived. */
  received(bytes: number): void {
    this.phase = "download";
    this.bytesReceived += bytes;
    this.arm(this.idleMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const armedAt = this.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.onIdle({ phase: this.phase, silentMs: this.now() - armedAt, bytesSent: this.bytesSent, bytesReceived: this.bytesReceived });
    }, ms);
  }
}
