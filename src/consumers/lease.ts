import { hostname } from "node:os";
import pg from "pg";

/**
 * One instance of a checkpointed consumer runs however many processes start: the instance that
 * holds the consumer's lease. The lease is a session-level advisory lock on a connection of its own,
 * so the server frees it the moment the holder's connection ends (a process that dies, a database
 * restart) and a waiting instance takes it at its next try.
 */
export type Lease = {
  readonly name: string;
  /** Settles when the lease is held, or rejects when it was released first. */
  readonly acquired: Promise<void>;
  /** Settles when a held lease is lost (its connection ended); the holder must stop consuming. */
  readonly lost: Promise<Error>;
  release(): Promise<void>;
};

export type LeaseSettings = { retryMs: number };

export const defaultLeaseSettings: LeaseSettings = { retryMs: 2_000 };

/** Who holds each lease, read from the server's lock table: `host:pid` of the holding process. */
export type LeaseHolder = { name: string; holder: string };

const APPLICATION_PREFIX = "po-pipeline lease ";

export function acquireLease(databaseUrl: string, name: string, settings: LeaseSettings = defaultLeaseSettings): Lease {
  let released = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let signalLost: (error: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (signalLost = resolve));

  const acquired = (async () => {
    for (;;) {
      if (released) throw new Error(`lease ${name} released before it was acquired`);
      try {
        client = await connect(databaseUrl, name);
        const { rows } = await client.query<{ held: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held", [name]);
        if (rows[0]!.held) {
          const holding = client;
          holding.on("error", (error) => signalLost(error));
          holding.on("end", () => signalLost(new Error(`the connection holding lease ${name} ended`)));
          if (released) await holding.end();
          return;
        }
      } catch {
        // The database is unreachable for now: try again, as when another instance holds the lease.
      }
      await client?.end().catch(() => undefined);
      client = undefined;
      await new Promise<void>((resolve) => (timer = setTimeout(resolve, settings.retryMs)));
    }
  })();
  // A caller that only releases must not see the rejection as unhandled.
  acquired.catch(() => undefined);

  return {
    name,
    acquired,
    lost,
    async release() {
      released = true;
      clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}

async function connect(databaseUrl: string, name: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: `${APPLICATION_PREFIX}${hostname()}:${process.pid}`.slice(0, 63),
    // A holder whose host vanished without closing the socket is found dead in seconds, not hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 1_000,
  });
  client.on("error", () => undefined);
  await client.connect();
  await client.query(`SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 3`);
  return client;
}

/** Every lease held on this database now, with the process that holds it. */
export async function leaseHolders(query: (sql: string, params: unknown[]) => Promise<unknown[]>, names: string[]): Promise<LeaseHolder[]> {
  const rows = (await query(
    `SELECT n.name, substr(a.application_name, $2) AS holder
       FROM unnest($1::text[]) AS n(name)
       JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid::bigint = (hashtextextended(n.name, 0) >> 32) & 4294967295
        AND l.objid::bigint = hashtextextended(n.name, 0) & 4294967295
       JOIN pg_stat_activity a ON a.pid = l.pid`,
    [names, APPLICATION_PREFIX.length + 1],
  )) as LeaseHolder[];
  return rows;
}
