import net from "node:net";

export interface SlowProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 (port 0) that holds every chunk going to `target` for `delayMs`
 * before passing it on, in order: a store on a busy or distant machine, where each round trip
 * takes that long. Replies come back undelayed.
 */
export function slowProxy(targetPort: number, delayMs: number): Promise<SlowProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    let last = Promise.resolve();
    client.on("data", (chunk) => {
      last = last
        .then(() => new Promise<void>((r) => setTimeout(r, delayMs)))
        .then(() => {
          if (!upstream.destroyed) upstream.write(chunk);
        });
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", () => void last.then(end));
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
