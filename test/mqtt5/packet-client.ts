import net from "node:net";
import mqttPacket, { type IConnectPacket, type IPublishPacket, type Packet } from "mqtt-packet";
import { waitFor } from "../helpers/wait.js";

/**
 * An MQTT 5 client made of mqtt-packet and a socket, which answers nothing by itself: the test
 * decides when each PUBACK, PUBREC or PUBCOMP goes out. mqtt.js handles one incoming packet at
 * a time and acknowledges it before it reads the next, so it cannot show how many PUBLISH the
 * broker sent ahead of the acknowledgements.
 */
export class PacketClient {
  readonly packets: Packet[] = [];
  closed = false;
  private readonly socket: net.Socket;
  private readonly parser = mqttPacket.parser({ protocolVersion: 5 });
  private nextId = 1;

  private constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.parser.on("packet", (p: Packet) => this.packets.push(p));
    this.socket.on("data", (d: Buffer) => this.parser.parse(d));
    this.socket.on("error", () => undefined);
    this.socket.on("close", () => (this.closed = true));
  }

  /** Connects and waits for a successful CONNACK. */
  static async connect(port: number, connect: Omit<IConnectPacket, "cmd">): Promise<PacketClient> {
    const c = new PacketClient(port);
    c.send({ cmd: "connect", protocolVersion: 5, keepalive: 60, ...connect });
    const connack = await c.first("connack", "the CONNACK");
    if (connack.cmd !== "connack" || connack.reasonCode !== 0) throw new Error(`connection refused: ${JSON.stringify(connack)}`);
    return c;
  }

  send(packet: Packet): void {
    this.socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
  }

  async subscribe(topic: string, qos: 1 | 2): Promise<void> {
    const messageId = this.nextId++;
    this.send({ cmd: "subscribe", messageId, subscriptions: [{ topic, qos }] });
    await waitFor(() => this.packets.find((p) => p.cmd === "suback" && p.messageId === messageId), `the SUBACK for ${topic}`);
  }

  /** The PUBLISH packets received so far. */
  publishes(): IPublishPacket[] {
    return this.packets.filter((p): p is IPublishPacket => p.cmd === "publish");
  }

  /**
   * A round trip: everything the broker wrote to this connection before it answered the
   * PINGREQ has arrived once the PINGRESP has.
   */
  async settle(): Promise<void> {
    const before = this.packets.filter((p) => p.cmd === "pingresp").length;
    this.send({ cmd: "pingreq" });
    await waitFor(() => this.packets.filter((p) => p.cmd === "pingresp").length > before, "the PINGRESP");
  }

  /** Waits for the first packet of a kind on this connection. */
  first(cmd: Packet["cmd"], what: string): Promise<Packet> {
    return waitFor(() => this.packets.find((p) => p.cmd === cmd), what);
  }

  close(): void {
    this.socket.destroy();
  }
}
