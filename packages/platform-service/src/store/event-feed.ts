/**
 * Follows deployments' events across replicas: one LISTEN connection per replica on `platform_events`
 * (records.ts announces each event), fanned out to this replica's subscribers (the event streams). A
 * subscriber replays what is stored after its position, then is pulled again on each announcement for its
 * deployment; `undefined` is delivered once, when the deployment has finished. After a lost connection (the
 * database restarted) it listens again and pulls every subscriber, so no event is missed.
 */
import pg from "pg";
import { releaseClient } from "../db/pool.ts";
import { FINISHED, type DeploymentEvent, type DeploymentRecords } from "./records.ts";

type Listener = (event: DeploymentEvent | undefined) => void;

interface Subscriber {
  deploymentId: string;
  after: number;
  listener: Listener;
  pulling: boolean;
  again: boolean;
  done: boolean;
}

const RECONNECT_MS = 1000;

export class EventFeed {
  private readonly connectionString: string;
  private readonly records: DeploymentRecords;
  private readonly log: (line: string) => void;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private client: pg.Client | undefined;
  private closed = false;

  constructor(connectionString: string, records: DeploymentRecords, log: (line: string) => void) {
    this.connectionString = connectionString;
    this.records = records;
    this.log = log;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on("notification", (message) => {
      if (message.channel === "platform_events" && message.payload) this.pullAll(message.payload);
    });
    client.on("error", (error) => {
      this.log(`event feed: ${error.message}; listening again`);
      void this.reconnect(client);
    });
    client.on("end", () => void this.reconnect(client));
    await client.connect();
    await client.query("listen platform_events");
    this.client = client;
  }

  private async reconnect(lost: pg.Client): Promise<void> {
    if (this.closed || this.client !== lost) return;
    this.client = undefined;
    void releaseClient(lost);
    while (!this.closed) {
      try {
        await this.start();
        for (const id of this.subscribers.keys()) this.pullAll(id);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    }
  }

  subscribe(deploymentId: string, after: number, listener: Listener): () => void {
    const subscriber: Subscriber = { deploymentId, after, listener, pulling: false, again: false, done: false };
    let set = this.subscribers.get(deploymentId);
    if (!set) {
      set = new Set();
      this.subscribers.set(deploymentId, set);
    }
    set.add(subscriber);
    void this.pull(subscriber);
    return () => this.remove(subscriber);
  }

  private remove(subscriber: Subscriber): void {
    subscriber.done = true;
    const set = this.subscribers.get(subscriber.deploymentId);
    set?.delete(subscriber);
    if (set?.size === 0) this.subscribers.delete(subscriber.deploymentId);
  }

  private pullAll(deploymentId: string): void {
    for (const subscriber of this.subscribers.get(deploymentId) ?? []) void this.pull(subscriber);
  }

  /** Delivers the events after the subscriber's position; one pull at a time per subscriber. */
  private async pull(subscriber: Subscriber): Promise<void> {
    if (subscriber.pulling) {
      subscriber.again = true;
      return;
    }
    subscriber.pulling = true;
    try {
      do {
        subscriber.again = false;
        const events = await this.records.events(subscriber.deploymentId, subscriber.after);
        for (const event of events) {
          if (subscriber.done) return;
          subscriber.after = event.seq;
          subscriber.listener(event);
        }
        // Finished is read after the events: the final status event is stored in the same transaction.
        const deployment = await this.records.get(subscriber.deploymentId);
        if (!deployment || FINISHED.has(deployment.status)) {
          const rest = await this.records.events(subscriber.deploymentId, subscriber.after);
          for (const event of rest) if (!subscriber.done) subscriber.listener(event);
          if (!subscriber.done) subscriber.listener(undefined);
          this.remove(subscriber);
          return;
        }
      } while (subscriber.again && !subscriber.done);
    } catch (error) {
      // The database is away: the reconnect pulls again.
      this.log(`event feed: ${(error as Error).message}`);
    } finally {
      subscriber.pulling = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client) await releaseClient(client);
  }
}
