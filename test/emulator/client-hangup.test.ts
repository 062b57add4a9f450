import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { ACCOUNT, asset, manifestOf, start } from "./helpers.js";

describe("a client that hangs up while its upload waits out a latency fault", () => {
  it("is dropped, stores nothing, and does not hold up close()", async () => {
    const { emu, client } = await start({ faults: "upload=latency:300" });
    await client.call("POST", `/accounts/${ACCOUNT}/workers/dispatch/namespaces`, { json: { name: "hang" } });
    const file = asset("hello", "txt");
    const session = await client.session({ namespace: "hang" }, "s", manifestOf({ "/a.txt": file }));
    const jwt = session.body.result!.jwt;

    // A multipart request that declares more body than it sends, then disconnects during the latency.
    const url = new URL(`${emu.url}/accounts/${ACCOUNT}/workers/assets/upload?base64=true`);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${jwt}\r\n` +
            `Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000\r\n\r\n--x\r\n`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((r) => setTimeout(r, 400));

    const stats = await emu.stats();
    expect(stats.accounts[ACCOUNT]!.stores["namespace:hang"]?.filesUploaded ?? 0).toBe(0);
    const closed = await Promise.race([emu.close().then(() => "closed"), new Promise((r) => setTimeout(() => r("hung"), 5000))]);
    expect(closed).toBe("closed");
  });

  it("close() during a long latency fault does not wait it out, even for a client that hung up", async () => {
    const { emu, client } = await start({ faults: "upload=latency:20000" });
    await client.call("POST", `/accounts/${ACCOUNT}/workers/dispatch/namespaces`, { json: { name: "slow" } });
    const file = asset("slow", "txt");
    const session = await client.session({ namespace: "slow" }, "s", manifestOf({ "/a.txt": file }));
    const url = new URL(`${emu.url}/accounts/${ACCOUNT}/workers/assets/upload?base64=true`);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${session.body.result!.jwt}\r\n` +
            `Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000\r\n\r\n--x\r\n`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    const started = Date.now();
    const closed = await Promise.race([emu.close().then(() => "closed"), new Promise((r) => setTimeout(() => r("hung"), 5000))]);
    expect(closed).toBe("closed");
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
