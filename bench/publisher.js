// The house, compressed: N MQTT connections (plain TCP, TCP_NODELAY) publishing Tasmota SENSOR
// telemetry for many plugs. MQTT packets are written straight to the sockets so that one
// publisher process can outrun the broker on a 2-core machine; mqtt.js would be the bottleneck.
// Driven by run.js over IPC:
//   {cmd: "flood", qos, seconds}: as fast as the broker takes them (QoS 0: socket backpressure;
//                                 QoS 1: a window of unacknowledged messages per connection)
//   {cmd: "rate", qos, rate, seconds}: a fixed total rate, each payload carrying its publish time
// The fourth argument is the protocol level: 4 (MQTT 3.1.1, the default) or 5 (MQTT 5: the same
// payloads, with the empty property lists MQTT 5 adds to CONNECT and PUBLISH).
import net from "node:net";
import { performance } from "node:perf_hooks";

const [port, connections, devices, protocol = 4] = process.argv.slice(2).map(Number);
/** MQTT 5 §3.1.2.11 and §3.3.2.3: a property length of 0 where 3.1.1 has nothing. */
const noProperties = protocol === 5 ? [0] : [];
const WINDOW = 64;
/** Messages sent to each device so far: its next Power reading. */
const seqs = new Uint32Array(devices);

/** Writes device `d`'s next Power reading into its packet at `at`. */
function nextReading(buf, at, d) {
  buf.write(String(powerOf(++seqs[d])), at, POWER_DIGITS, "latin1");
}

/**
 * A recorded Tasmota Sonoff POW R2 SENSOR payload (test/fixtures/power/tasmota-sensor-energy.json).
 * Power is a 7-digit reading that changes with every message to a device, so the last one a
 * device sent can be looked for at the intake; it sits at a fixed offset so a packet is patched
 * in place instead of being rebuilt.
 */
const POWER_DIGITS = 7;
const powerOf = (seq) => 1_000_000 + (seq % 9_000_000);
const payloadFor = (i, t, seq = 0) =>
  `{"Time":"2018-02-15T17:37:10","ENERGY":{"TotalStartTime":"2018-11-14T18:39:40","Total":${(6.294 + i / 1000).toFixed(3)},"Yesterday":5.340,"Today":0.954,"Period":217,"Power":${powerOf(seq)},"ApparentPower":2650,"ReactivePower":282,"Factor":0.99,"Voltage":227,"Current":11.661}${i === TANK ? TANK_FIELDS : ""},"BenchT":${t}}`;
/**
 * The first devices carry the names the shipped rules/house.yaml knows, so the house stages run
 * in the measurement: two appliances' plugs and the hydroponic tank's node (its probes added to
 * the payload); every other device is a plug with no appliance.
 */
const HOUSE = ["kitchen_plug", "bathroom_plug", "tank1"];
const TANK = 2;
const TANK_FIELDS = ',"ANALOG":{"A1":1740},"ECCalc":{"EC":1.42},"DS18B20":{"Temperature":21.5},"HX711":{"Weight":182.4}';
const deviceName = (i) => HOUSE[i] ?? `plug-${String(i).padStart(5, "0")}`;
const topicFor = (i) => `tele/${deviceName(i)}/SENSOR`;

function varint(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A PUBLISH packet; for QoS 1 the packet id sits at the returned offset. */
function publishPacket(topic, payload, qos) {
  const t = Buffer.from(topic);
  const p = Buffer.from(payload);
  const remaining = 2 + t.length + (qos ? 2 : 0) + noProperties.length + p.length;
  const head = Buffer.from([0x30 | (qos << 1), ...varint(remaining), t.length >> 8, t.length & 0xff]);
  const buf = Buffer.concat([head, t, Buffer.alloc(qos ? 2 : 0), Buffer.from(noProperties), p]);
  const power = p.indexOf('"Power":') + 8;
  return { buf, idAt: head.length + t.length, powerAt: head.length + t.length + (qos ? 2 : 0) + noProperties.length + power };
}

function connectPacket(clientId) {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, protocol, 0x02, 0, 0, ...noProperties]),
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

class Conn {
  constructor(index) {
    this.index = index;
    this.devices = [];
    for (let d = index; d < devices; d += connections) this.devices.push(d);
    this.next = 0;
    this.acked = 0;
    this.inflight = 0;
    this.pending = Buffer.alloc(0);
    this.onAck = undefined;
  }

  open() {
    return new Promise((resolve, reject) => {
      const s = (this.socket = net.connect({ port, host: "127.0.0.1", noDelay: true }));
      s.setNoDelay(true);
      s.once("error", reject);
      s.once("connect", () => s.write(connectPacket(`bench-pub-${this.index}`)));
      let connected = false;
      s.on("data", (chunk) => {
        let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
        let i = 0;
        // Packets sent to a client with no subscriptions: CONNACK, then PUBACKs (0x40 0x02 id id; an
        // MQTT 5 one may add a reason code and properties). Every remaining length here is below 128.
        let acks = 0;
        while (buf.length - i >= 2 && buf.length - i >= 2 + buf[i + 1]) {
          if (!connected) {
            connected = true;
            resolve();
          } else acks++;
          i += 2 + buf[i + 1];
        }
        this.pending = buf.subarray(i);
        if (acks) {
          this.acked += acks;
          this.inflight -= acks;
          this.onAck?.(acks);
        }
      });
    });
  }

  /** A batch of every device's packet for QoS 0 floods, each with its next reading: a fresh copy per write, as the socket keeps what it was given. */
  batch() {
    if (!this.batch0) {
      const packets = this.devices.map((d) => publishPacket(topicFor(d), payloadFor(d, 0), 0));
      let offset = 0;
      this.powerAt = packets.map((p) => {
        const at = offset + p.powerAt;
        offset += p.buf.length;
        return at;
      });
      this.batch0 = Buffer.concat(packets.map((p) => p.buf));
    }
    const b = Buffer.from(this.batch0);
    for (let j = 0; j < this.devices.length; j++) nextReading(b, this.powerAt[j], this.devices[j]);
    return b;
  }

  templates() {
    return (this.templates1 ??= this.devices.map((d) => publishPacket(topicFor(d), payloadFor(d, 0), 1)));
  }
}

const conns = [];
for (let i = 0; i < connections; i++) conns.push(new Conn(i));
await Promise.all(conns.map((c) => c.open()));

let sent = 0;
let running = false;

function floodQos0(c) {
  const n = c.devices.length;
  const pump = () => {
    while (running) {
      sent += n;
      if (!c.socket.write(c.batch())) return void c.socket.once("drain", pump);
    }
  };
  pump();
}

let nextId = 1;
function floodQos1(c) {
  const tpl = c.templates();
  const sendSome = (k) => {
    if (!running) return;
    const parts = [];
    for (let j = 0; j < k; j++) {
      const k0 = c.next++ % tpl.length;
      const t = tpl[k0];
      const b = Buffer.from(t.buf);
      nextReading(b, t.powerAt, c.devices[k0]);
      const id = (nextId = nextId >= 65535 ? 1 : nextId + 1);
      b[t.idAt] = id >> 8;
      b[t.idAt + 1] = id & 0xff;
      parts.push(b);
    }
    c.inflight += k;
    sent += k;
    c.socket.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  };
  c.onAck = (acks) => sendSome(Math.min(acks, WINDOW - c.inflight));
  sendSome(WINDOW - c.inflight);
}

function atRate(qos, rate) {
  const start = performance.now();
  let done = 0;
  const tick = () => {
    if (!running) return;
    const due = Math.floor(((performance.now() - start) / 1000) * rate) - done;
    const per = conns.map(() => []);
    for (let j = 0; j < due; j++) {
      const n = done + j;
      const c = conns[n % connections];
      const d = c.devices[Math.floor(n / connections) % c.devices.length];
      const { buf, idAt } = publishPacket(topicFor(d), payloadFor(d, (performance.timeOrigin + performance.now()).toFixed(3), ++seqs[d]), qos);
      if (qos) {
        const id = (nextId = nextId >= 65535 ? 1 : nextId + 1);
        buf[idAt] = id >> 8;
        buf[idAt + 1] = id & 0xff;
      }
      per[n % connections].push(buf);
    }
    for (let k = 0; k < connections; k++) if (per[k].length) conns[k].socket.write(per[k].length === 1 ? per[k][0] : Buffer.concat(per[k]));
    done += due;
    sent += due;
    setTimeout(tick, 1);
  };
  tick();
}

process.on("message", (msg) => {
  if (msg.cmd === "flood" || msg.cmd === "rate") {
    running = true;
    sent = 0;
    for (const c of conns) c.onAck = undefined;
    if (msg.cmd === "rate") atRate(msg.qos, msg.rate);
    else for (const c of conns) (msg.qos ? floodQos1 : floodQos0)(c);
    setTimeout(() => {
      running = false;
      // Every device's last reading, to be looked for at the intake.
      const last = {};
      for (let d = 0; d < devices; d++) if (seqs[d] > 0) last[deviceName(d)] = powerOf(seqs[d]);
      process.send({ cmd: "done", sent, last });
    }, msg.seconds * 1000);
  } else if (msg.cmd === "close") {
    for (const c of conns) c.socket.end();
    process.send({ cmd: "closed" }, () => process.exit(0));
  }
});
process.send({ cmd: "ready" });
