// A local stand-in for Datadog's metrics intake: POST /api/v2/series, gzip or deflate or plain
// JSON, answered 202 {"errors":[]}; counts requests, series and points.
import http from "node:http";
import zlib from "node:zlib";

export async function startIntake() {
  const counts = { requests: 0, series: 0, points: 0, bytes: 0 };
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
      }
      res.writeHead(202, { "content-type": "application/json" });
      res.end('{"errors":[]}');
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, counts, close: () => new Promise((r) => server.close(r)) };
}
