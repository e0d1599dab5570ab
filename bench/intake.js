// A local stand-in for Datadog's metrics intake: POST /api/v2/series, gzip or deflate or plain
// JSON, answered 202 {"errors":[]}; counts requests, series and points, and keeps each device's
// latest power reading as each receiver sends it (Hearth: power.watts{device:NAME}; the minimal
// pipeline: power.power{topic:tele/NAME/SENSOR}), so run.js can check that the last reading every
// device published arrived.
import http from "node:http";
import zlib from "node:zlib";

function powerKey(s) {
  if (s.metric === "power.watts") {
    const device = s.tags?.find((t) => t.startsWith("device:"));
    return device && `hearth:${device.slice(7)}`;
  }
  if (s.metric === "power.power") {
    const topic = s.tags?.find((t) => t.startsWith("topic:"));
    return topic && `minimal:${topic.split("/")[1]}`;
  }
  return undefined;
}

export async function startIntake() {
  const counts = { requests: 0, series: 0, points: 0, bytes: 0 };
  /** "hearth:NAME" or "minimal:NAME" → the newest power value received. */
  const lastPower = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      if (req.method !== "POST" || req.url !== "/api/v2/series") {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end('{"errors":["Not found"]}');
      }
      const enc = req.headers["content-encoding"];
      const text = enc === "gzip" ? zlib.gunzipSync(raw) : enc === "deflate" ? zlib.inflateSync(raw) : raw;
      const body = JSON.parse(text.toString("utf8"));
      counts.requests++;
      counts.bytes += raw.length;
      for (const s of body.series ?? []) {
        counts.series++;
        counts.points += s.points?.length ?? 0;
        const key = powerKey(s);
        if (key && s.points?.length) lastPower.set(key, s.points[s.points.length - 1].value);
      }
      res.writeHead(202, { "content-type": "application/json" });
      res.end('{"errors":[]}');
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, counts, lastPower, close: () => new Promise((r) => server.close(r)) };
}
