import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy between the sidecar and redis-server that lets a test make Redis fail at one
 * exact step of the request pipeline: once armed with a marker (a key prefix), the first
 * command whose bytes contain it triggers `onTrip` (the test kills or freezes Redis there).
 * Everything else passes through untouched, in both directions.
 */
export class TripwireProxy {
  private marker: string | undefined;
  private dropTripping = true;
  private readonly sockets = new Set<Socket>();
  /** How many times the wire was tripped. */
  trips = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private upstreamPort: number,
  ) {}

  static async start(upstreamPort: number, onTrip: () => void = () => undefined): Promise<TripwireProxy> {
    let proxy: TripwireProxy | undefined;
    const server = createServer((client) => proxy?.pipe(client, proxy.upstreamPort, onTrip));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    if (typeof addr !== "object" || addr === null) throw new Error("proxy has no port");
    proxy = new TripwireProxy(server, addr.port, upstreamPort);
    return proxy;
  }

  /**
   * The next command carrying `marker` trips the wire. With `drop` (default) that command is
   * not forwarded and the connection is cut (Redis died before it arrived); without, it is
   * forwarded after onTrip ran (Redis froze with it in hand).
   */
  arm(marker: string, opts: { drop?: boolean } = {}): void {
    this.marker = marker;
    this.dropTripping = opts.drop ?? true;
  }

  /**
   * New connections go to `port` from now on; open ones stay where they are (as a DNS name
   * moved to a new primary after a failover: clients follow only when they reconnect).
   */
  retarget(port: number): void {
    this.upstreamPort = port;
  }

  /** Stops accepting and cuts every proxied connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: Socket, upstreamPort: number, onTrip: () => void): void {
    const upstream = connect(upstreamPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("error", () => undefined);
      s.once("close", () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    let tail = "";
    client.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      const marker = this.marker;
      // Looks across chunk boundaries too: the tail of the previous chunk plus this one.
      if (marker !== undefined && (tail + text).includes(marker)) {
        this.marker = undefined;
        this.trips++;
        onTrip();
        if (this.dropTripping) {
          client.destroy();
          upstream.destroy();
          return;
        }
      }
      tail = text.slice(-256);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
  }
}
