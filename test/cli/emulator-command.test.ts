import { fetch } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { UsageError, parseEmulatorArgs, run } from "../../src/cli/emulator-command.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";

describe("parseEmulatorArgs", () => {
  it("defaults to port 8787 and nothing else", () => {
    expect(parseEmulatorArgs([])).toEqual({ help: false, quiet: false, options: { port: 8787 } });
  });

  it("maps every flag onto the emulator options", () => {
    const parsed = parseEmulatorArgs([
      "--port", "0", "--host", "::1", "--data", "/tmp/x",
      "--token", "plain", "--token", `limited:${ACCOUNT}`,
      "--legacy-key", "me@example.com:k1", "--legacy-key", `you@example.com:k2:${ACCOUNT}`,
      "--faults", "upload=503@0.1", "--jwt-lifetime", "2.5",
      "--account-plan", "free", "--max-files", "100", "--max-bucket-bytes", "1000", "--max-bucket-files", "10", "--max-request-bytes", "5000",
      "--per-file-uploads", "--allow-remote", "--quiet", "--minimal-put-answers", "--rate-limit", "10/2,block=3,uploads=off",
    ]);
    expect(parsed).toEqual({
      help: false,
      quiet: true,
      options: {
        port: 0,
        host: "::1",
        dataDir: "/tmp/x",
        tokens: ["plain", { token: "limited", accounts: [ACCOUNT] }],
        legacyKeys: [{ email: "me@example.com", key: "k1" }, { email: "you@example.com", key: "k2", accounts: [ACCOUNT] }],
        faults: "upload=503@0.1",
        jwtLifetimeSeconds: 2.5,
        accountPlan: "free",
        maxFiles: 100,
        maxBucketBytes: 1000,
        maxBucketFiles: 10,
        maxRequestBytes: 5000,
        perFileUploads: true,
        allowRemote: true,
        minimalPutAnswers: true,
        rateLimit: { requests: 10, windowSeconds: 2, blockSeconds: 3, countUploads: false },
      },
    });
  });

  it("takes --rate-limit on and off", () => {
    expect(parseEmulatorArgs(["--rate-limit", "on"]).options.rateLimit).toEqual({});
    expect(parseEmulatorArgs(["--rate-limit", "off"]).options.rateLimit).toBe(false);
    expect(parseEmulatorArgs(["--rate-limit", "1200/300,ip=200"]).options.rateLimit).toEqual({ requests: 1200, windowSeconds: 300, perIpPerSecond: 200 });
  });

  it.each([
    [["--port", "http"], /--port must be an integer/],
    [["--port=-5"], /--port must be an integer ≥ 0/],
    [["--token", "t:not-an-account"], /not an account id/],
    [["--legacy-key", "only-email"], /EMAIL:KEY/],
    [["--jwt-lifetime", "0"], /positive number/],
    [["--max-files", "1.5"], /--max-files/],
    [["--account-plan", "pro"], /--account-plan must be "paid" or "free"/],
    [["--rate-limit", "fast"], /--rate-limit: expected "on", "off"/],
    [["--bogus"], /bogus/],
    [["positional"], /positional/i],
  ])("rejects %j", (argv, message) => {
    expect(() => parseEmulatorArgs(argv)).toThrow(UsageError);
    expect(() => parseEmulatorArgs(argv)).toThrow(message);
  });
});

describe("run", () => {
  afterEach(() => vi.restoreAllMocks());

  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
    return { out, err };
  }

  it("prints help with exit code 0", async () => {
    const { out } = capture();
    expect(await run(["--help"])).toBe(0);
    expect(out.join("")).toContain("usage: wfp-assets emulator");
  });

  it("exits 2 on a usage error, a bad fault spec, or a non-loopback host", async () => {
    const { err } = capture();
    expect(await run(["--port", "x"])).toBe(2);
    expect(await run(["--port", "0", "--faults", "upload=nope"])).toBe(2);
    expect(await run(["--port", "0", "--host", "0.0.0.0"])).toBe(2);
    const text = err.join("");
    expect(text).toContain("--port must be an integer");
    expect(text).toContain('unknown action "nope"');
    expect(text).toContain("--allow-remote");
  });

  it("starts, prints the base URL and token, serves requests, and stops cleanly", async () => {
    const { out, err } = capture();
    let stop!: (reason: string) => void;
    const until = new Promise<string>((resolve) => (stop = resolve));
    const exited = run(["--port", "0", "--token", "cli-token-123"], until);
    await vi.waitFor(() => expect(out.join("")).toContain("export CLOUDFLARE_API_TOKEN=cli-token-123"));
    const printed = out.join("");
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/client\/v4)/.exec(printed)?.[1];
    expect(url).toBeDefined();
    expect(printed).toContain(`export CLOUDFLARE_API_BASE_URL=${url}`);
    expect(printed).toContain("(temporary, removed on exit)");
    const res = await fetch(`${url}/accounts/${ACCOUNT}/workers/dispatch/namespaces`, { headers: { authorization: "Bearer cli-token-123" } });
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(err.join("")).toMatch(/GET \/client\/v4\/accounts\/\S+ -> 200/));
    stop("SIGINT");
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/accounts/${ACCOUNT}/workers/dispatch/namespaces`)).rejects.toThrow();
  });
});
