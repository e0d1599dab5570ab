// CPU time per packet of the two passes every incoming PUBLISH goes through before Hearth sees
// it: the packet gate's scanner (dist/src/mqtt/packet-scanner.js) and mqtt-packet's parser, for
// MQTT 3.1.1 and MQTT 5 packets of the bench's payload. Process CPU time (process.cpuUsage), not
// wall time, so a machine shared with other work still gives figures that compare; each is the
// median of 5 passes over 64 KB chunks, as a socket read hands them over.
//
//   npm run build && node bench/parse-cpu.js
import mqtt from "mqtt-packet";
import { PacketScanner } from "../dist/src/mqtt/packet-scanner.js";

const payload = Buffer.from(
  '{"Time":"2018-02-15T17:37:10","ENERGY":{"TotalStartTime":"2018-11-14T18:39:40","Total":6.294,"Yesterday":5.340,"Today":0.954,"Period":217,"Power":1000001,"ApparentPower":2650,"ReactivePower":282,"Factor":0.99,"Voltage":227,"Current":11.661},"BenchT":1733140000000.123}',
);
const PACKETS = 1000;
const PASSES = 300;

function chunksOf(protocolVersion) {
  const packets = [];
  for (let i = 0; i < PACKETS; i++)
    packets.push(
      mqtt.generate(
        { cmd: "publish", topic: `tele/plug-${String(i).padStart(5, "0")}/SENSOR`, payload, qos: 0, retain: false, dup: false },
        { protocolVersion },
      ),
    );
  const all = Buffer.concat(packets);
  const chunks = [];
  for (let o = 0; o < all.length; o += 65_536) chunks.push(all.subarray(o, o + 65_536));
  return chunks;
}

/** ns of CPU per packet for `feed` over every chunk, PASSES times; the median of 5. */
function cpuPerPacket(chunks, feed) {
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    for (let p = 0; p < PASSES; p++) for (const c of chunks) feed(c);
    const c = process.cpuUsage(c0);
    runs.push(((c.user + c.system) * 1000) / (PASSES * PACKETS));
  }
  return runs.sort((a, b) => a - b)[2];
}

for (const version of [4, 5]) {
  const chunks = chunksOf(version);
  const scanner = new PacketScanner({ connectBytes: 1 << 20, packetBytes: 1 << 24 });
  scanner.feed(
    mqtt.generate(
      { cmd: "connect", protocolId: "MQTT", protocolVersion: version, clean: true, keepalive: 30, clientId: "bench" },
      { protocolVersion: version },
    ),
  );
  const scan = cpuPerPacket(chunks, (c) => {
    if (scanner.feed(c)) throw new Error("the scanner refused a bench packet");
  });
  const parser = mqtt.parser({ protocolVersion: version });
  parser.on("packet", () => undefined);
  const parse = cpuPerPacket(chunks, (c) => parser.parse(c));
  console.log(`MQTT ${version === 5 ? "5    " : "3.1.1"}: packet gate scanner ${scan.toFixed(0)} ns/packet, mqtt-packet parser ${parse.toFixed(0)} ns/packet`);
}
