import { describe, expect, it } from "vitest";
import { base64Length, groupIntoBuckets } from "../../../src/emulator/model/buckets.js";

const h = (i: number) => i.toString(16).padStart(32, "0");

describe("groupIntoBuckets", () => {
  it("bounds the number of files per bucket", () => {
    const missing = Array.from({ length: 7 }, (_, i) => ({ hash: h(i), size: 10 }));
    expect(groupIntoBuckets(missing, { maxBucketFiles: 3, maxBucketBytes: 1e9 })).toEqual([
      [h(0), h(1), h(2)],
      [h(3), h(4), h(5)],
      [h(6)],
    ]);
  });

  it("bounds the base64 bytes per bucket and gives an oversize file its own bucket", () => {
    // 300 raw bytes = 400 base64 bytes
    const missing = [
      { hash: h(1), size: 300 },
      { hash: h(2), size: 300 },
      { hash: h(3), size: 3000 },
      { hash: h(4), size: 300 },
    ];
    expect(groupIntoBuckets(missing, { maxBucketFiles: 100, maxBucketBytes: 800 })).toEqual([[h(1), h(2)], [h(3)], [h(4)]]);
  });

  it("lists each hash once and returns no buckets for nothing", () => {
    expect(groupIntoBuckets([{ hash: h(1), size: 1 }, { hash: h(1), size: 1 }], { maxBucketFiles: 5, maxBucketBytes: 100 })).toEqual([[h(1)]]);
    expect(groupIntoBuckets([], { maxBucketFiles: 5, maxBucketBytes: 100 })).toEqual([]);
  });

  it("computes padded base64 lengths", () => {
    expect([0, 1, 2, 3, 4].map(base64Length)).toEqual([0, 4, 4, 4, 8]);
  });
});
