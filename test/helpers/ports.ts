import type http from "node:http";
import net from "node:net";

/** A port nobody listens on right now (the kernel picks it; it is free again once we close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Listens on 127.0.0.1 (port 0: any free one, or the port of an earlier start) and says which port it got. */
export function listenLocal(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Closes at once: open keep-alive connections are cut rather than waited for. */
export function closeNow(server: (net.Server & Pick<http.Server, "closeAllConnections">) | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
