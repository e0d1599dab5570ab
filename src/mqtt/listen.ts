import type net from "node:net";
import { HearthError } from "../kit/errors.js";

/**
 * Starts a listener and turns the usual failures into one clear line naming the port and what
 * to do about it. Resolves with the port actually bound (port 0 picks a free one).
 */
export function listenOn(server: net.Server, host: string, port: number, what: string, key: string, envName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (err.code === "EADDRINUSE") {
        reject(
          new HearthError(
            "HEARTH_E_PORT_IN_USE",
            `${what} port ${port} on ${host} is already in use by another program. Stop it, or set ${key} (or ${envName}) to a free port; 0 picks one.`,
            { cause: err },
          ),
        );
      } else if (err.code === "EACCES" || err.code === "EADDRNOTAVAIL") {
        const why = err.code === "EACCES" ? `no permission to use port ${port} (ports below 1024 need root)` : `${host} is not an address of this machine`;
        reject(new HearthError("HEARTH_E_LISTEN_FAILED", `${what} cannot listen on ${host}:${port}: ${why}. Change ${key} or the host.`, { cause: err }));
      } else reject(err);
    };
    const onListening = () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/**
 * Stops accepting new connections. The port is free as soon as this returns; connections
 * already open are left to their owner (aedes closes its clients on stop).
 */
export function stopListening(server: net.Server | undefined): void {
  if (server?.listening) server.close();
}
