// The page's only way to the hub: the JSON API, with the bearer token from #token=… (a URL
// fragment never reaches the server; the token leaves the browser only as a header).
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const auth = token ? { Authorization: `Bearer ${token}` } : {};

export async function get(path) {
  const res = await fetch(path, { headers: auth });
  if (!res.ok && res.status !== 503) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

/** A change (snooze, ack, downtime): same-origin JSON, which a cross-site form cannot send. */
export async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.error ?? `the hub answered ${res.status}`);
  return answer;
}
