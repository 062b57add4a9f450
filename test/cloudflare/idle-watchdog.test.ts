import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ASSUMED_SLOW_LINK_BYTES_PER_SECOND, IdleWatchdog, MAX_BUFFERED_TAIL_BYTES, tailAllowanceMs } from "../../src/cloudflare/idle-watchdog.js";

const MiB = 1024 * 1024;

describe("tailAllowanceMs", () => {
  it("gives the buffered tail the time it takes at the rate measured once the socket pushed back", () => {
    // 12 MiB, of which the last 448 KiB went at 64 KiB/s: the (at most 8 MiB) tail needs 128 s more.
    expect(tailAllowanceMs({ bytes: 12 * MiB, endedAt: 7000, pacedFrom: { at: 0, bytes: 12 * MiB - 448 * 1024 } })).toBe(128_000);
    // A body smaller than the buffer bound: at most the whole body is still buffered.
    expect(tailAllowanceMs({ bytes: 2 * MiB, endedAt: 1000, pacedFrom: { at: 0, bytes: 2 * MiB - 32 * 1024 } })).toBe(64_000);
    expect(MAX_BUFFERED_TAIL_BYTES).toBe(8 * MiB);
  });

  it("never assumes a faster drain than a slow link (128 KiB/s), measured or not", () => {
    expect(ASSUMED_SLOW_LINK_BYTES_PER_SECOND).toBe(128 * 1024);
    // Measured at 1 MiB/s (maybe a pause of the event loop, then buffers filling): still 8 MiB at 128 KiB/s.
    expect(tailAllowanceMs({ bytes: 12 * MiB, endedAt: 7000, pacedFrom: { at: 0, bytes: 5 * MiB } })).toBe(64_000);
    // The socket never pushed back: the rate is unknown.
    expect(tailAllowanceMs({ bytes: 5 * MiB, endedAt: 10, pacedFrom: undefined })).toBe(40_000);
    expect(tailAllowanceMs({ bytes: 20 * MiB, endedAt: 10, pacedFrom: { at: 10, bytes: 20 * MiB } })).toBe(64_000);
    // A small JSON body adds next to nothing.
    expect(tailAllowanceMs({ bytes: 1300, endedAt: 0, pacedFrom: undefined })).toBe(10);
  });
});

describe("IdleWatchdog", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function watch(idleMs: number) {
    const fired: { phase: string; silentMs: number; bytesSent: number; bytesReceived: number }[] = [];
    const dog = new IdleWatchdog(idleMs, (detail) => fired.push(detail), () => Date.now());
    return { dog, fired };
  }

  it("fires only after a full idle period without progress, naming the phase and the bytes", async () => {
    const { dog, fired } = watch(1000);
    dog.start();
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(900);
      dog.sent(1000);
    }
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fired).toEqual([{ phase: "upload", silentMs: 1000, bytesSent: 10_000, bytesReceived: 0 }]);
  });

  it("after the body, waits the idle timeout plus the tail allowance; answer bytes reset it", async () => {
    const { dog, fired } = watch(1000);
    dog.start();
    dog.sent(MiB); // into the buffers at once
    await vi.advanceTimersByTimeAsync(500); // the socket pushes back: a gap
    dog.sent(32 * 1024);
    await vi.advanceTimersByTimeAsync(500);
    dog.sent(32 * 1024); // paced at 64 KiB/s from here
    dog.bodyDone(); // 1088 KiB buffered at most, at 64 KiB/s: 17 s more
    await vi.advanceTimersByTimeAsync(17_999);
    expect(fired).toEqual([]);
    dog.received(100);
    await vi.advanceTimersByTimeAsync(999);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([{ phase: "download", silentMs: 1000, bytesSent: MiB + 64 * 1024, bytesReceived: 100 }]);
  });

  it("a request without a body waits in the waiting phase; stop() silences it", async () => {
    const { dog, fired } = watch(500);
    dog.start("waiting");
    await vi.advanceTimersByTimeAsync(500);
    expect(fired.map((f) => f.phase)).toEqual(["waiting"]);
    const quiet = watch(500);
    quiet.dog.start();
    quiet.dog.stop();
    quiet.dog.sent(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(quiet.fired).toEqual([]);
  });
});
