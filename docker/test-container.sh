#!/usr/bin/env bash
# Builds Hearth's image and runs it as the Proxmox host does, checking what a homeowner relies on:
# the container starts and reports healthy, runs as uid 1000, takes a password made with
# `hearth passwd` inside it, accepts an authenticated MQTT publish on the mapped port and shows it
# on /api/series, applies a saved rules edit within seconds and refuses a broken one with its
# line number, keeps its data across a restart, and exits 0 on SIGTERM.
#
#   docker/test-container.sh
#
# Needs Docker or podman (Docker when its daemon answers; CONTAINER_ENGINE=podman chooses), curl
# and mosquitto-clients. The base image is, in this order:
#   NODE_IMAGE=<image> docker/test-container.sh   any Debian-based image with Node.js 20+, npm, apt;
#   the Dockerfile's default (node:26-trixie-slim), when it is present or can be pulled;
#   a stand-in for it, where no container registry answers: ../shared/tools/offline-node-image.sh
#     (beside Hearth's own CI) makes a minimal Debian with podman, and this script puts the same
#     Node.js major from the npm registry's node-linux-<arch> package on it (OFFLINE_NODE_IMAGE_SCRIPT
#     names the script when it lives elsewhere).
# Without a registry and without that script, pull or build a Node.js image some other way and
# pass it as NODE_IMAGE. The image is kept as localhost/hearth:test (its layers are the next
# build's cache); the containers, volumes and temporary files are removed on exit.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
standin_script="${OFFLINE_NODE_IMAGE_SCRIPT:-$repo/../shared/tools/offline-node-image.sh}"
image="localhost/hearth:test"
ctr="hearth-test-$$"
vol="hearth-test-data-$$"
work="$(mktemp -d)"
engine=""
started=$SECONDS

step() { printf '\n== %s\n' "$*"; }
passed=0
ok() { passed=$((passed + 1)); printf '   ok: %s\n' "$*"; }
container_logs() {
  if [ -n "$engine" ] && "$engine" inspect "$ctr" >/dev/null 2>&1; then
    echo "--- last lines of the container's log ---" >&2
    "$engine" logs --tail 40 "$ctr" 2>&1 | grep -v 'systemd connection' >&2 || true
  fi
}
fail() {
  printf '\ncontainer test FAILED: %s\n' "$*" >&2
  container_logs
  printf 'container: %s passed, 1 failed\n' "$passed" >&2
  exit 1
}
cleanup() {
  if [ -n "$engine" ]; then
    "$engine" rm -f "$ctr" >/dev/null 2>&1 || true
    "$engine" volume rm -f "$vol" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# podman without systemd cannot schedule health checks and says so on every run; the checks
# below run the image's health check on demand instead.
eng() { "$engine" "$@" 2> >(grep -v 'systemd connection' >&2); }

# wait_until SECONDS WHAT COMMAND...: polls until COMMAND succeeds, or fails naming WHAT.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    if ! running; then fail "the container stopped while waiting for: $what"; fi
    if [ "$SECONDS" -ge "$deadline" ]; then fail "not within ${limit}s: $what"; fi
    sleep 0.5
  done
}
running() { [ "$("$engine" inspect -f '{{.State.Running}}' "$ctr" 2>/dev/null)" = "true" ]; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
logs_have() { "$engine" logs "$ctr" 2>&1 | grep -F -- "$1" >/dev/null; }
quiet() { "$@" >/dev/null 2>&1; }
# log_message PREFIX: the first logged message that starts with PREFIX.
log_message() {
  "$engine" logs "$ctr" 2>/dev/null | node -e '
    const lines = require("fs").readFileSync(0, "utf8").split("\n");
    for (const l of lines) { try { const m = JSON.parse(l).msg; if (m?.startsWith(process.argv[1])) { console.log(m); break; } } catch {} }' "$1"
}

for tool in curl mosquitto_pub mosquitto_sub node; do
  command -v "$tool" >/dev/null || fail "$tool is missing (Debian: apt-get install curl mosquitto-clients nodejs)"
done

# --- the engine and the base image ---
step "Container engine and base image"
answers() { command -v "$1" >/dev/null 2>&1 && "$1" info >/dev/null 2>&1; }
if [ -n "${CONTAINER_ENGINE:-}" ]; then engine=$CONTAINER_ENGINE
elif answers docker; then engine=docker
elif answers podman; then engine=podman
elif [ -f "$standin_script" ]; then engine=podman # the stand-in script installs it
else fail "no container engine answers: install Docker (https://docs.docker.com/engine/install/) or podman"
fi

default_base="$(sed -n 's/^ARG NODE_IMAGE=//p' "$repo/docker/Dockerfile")"
# podman wants registry-qualified names where Docker assumes Docker Hub.
qualified() { case "$1" in localhost/* | *.*/* | *:*/*) echo "$1" ;; */*) echo "docker.io/$1" ;; *) echo "docker.io/library/$1" ;; esac; }
have_or_pull() { "$engine" image inspect "$1" >/dev/null 2>&1 || timeout 600 "$engine" pull -q "$1" >/dev/null 2>&1; }

if [ -n "${NODE_IMAGE:-}" ]; then
  base="$(qualified "$NODE_IMAGE")"
  have_or_pull "$base" || fail "NODE_IMAGE=$NODE_IMAGE is neither present nor pullable with $engine"
  ok "base image $base (NODE_IMAGE)"
elif have_or_pull "$(qualified "$default_base")"; then
  base="$(qualified "$default_base")"
  ok "base image $base (the Dockerfile's default)"
elif [ -f "$standin_script" ]; then
  engine=podman
  major="$(sed -n 's/^node:\([0-9][0-9]*\).*/\1/p' <<<"$default_base")"
  [ -n "$major" ] || fail "cannot read the Node.js major version from the Dockerfile's default $default_base"
  echo "   $default_base cannot be pulled: building a stand-in with $standin_script and Node.js $major from the npm registry"
  bash "$standin_script" >"$work/standin.log" 2>&1 || { cat "$work/standin.log" >&2; fail "the stand-in base image could not be built"; }
  base="localhost/node-offline:$major-bookworm"
  mkdir "$work/empty"
  # The official image's Node.js, from the npm registry's node-linux-<arch> package (the same
  # build nodejs.org ships), replaces the machine's own. Its headers are left out on purpose, so
  # the Dockerfile's way of fetching them for a base image without them is exercised too.
  eng build -q -t "$base" --build-arg NODE_MAJOR="$major" -f - "$work/empty" >"$work/standin.log" 2>&1 <<'EOF' || { cat "$work/standin.log" >&2; fail "the Node.js stand-in could not be built"; }
FROM localhost/node-offline:bookworm
ARG NODE_MAJOR
# Node.js 26's binary links libatomic, which a minimal Debian lacks.
RUN apt-get update && apt-get install -y --no-install-recommends libatomic1 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
RUN set -eu; cd /tmp; a="$(node -p process.arch)"; \
    npm pack --silent "node-linux-$a@$NODE_MAJOR" >/dev/null; \
    tar -xzf node-linux-*.tgz package/bin/node; mv package/bin/node /usr/local/bin/node; \
    rm -rf /tmp/* /root/.npm; node --version
EOF
  ok "base image $base: Debian bookworm with Node.js $(eng run --rm "$base" node --version), standing in for $default_base"
else
  fail "$default_base cannot be pulled with $engine (no registry answers?) and there is no stand-in script at $standin_script. Pass a Node.js base image you have: NODE_IMAGE=<image> $0 (Debian-based, Node.js 20 or newer, npm and apt)."
fi
ok "engine: $engine ($("$engine" --version))"

# --- the image ---
step "Building $image"
echo "   (the first build compiles better-sqlite3 and takes several minutes; later builds reuse the cached layers)"
build_started=$SECONDS
# podman's default OCI image format has no HEALTHCHECK; the Docker format keeps it.
format=()
[ "$engine" = podman ] && format=(--format docker)
eng build "${format[@]}" -t "$image" --build-arg NODE_IMAGE="$base" -f "$repo/docker/Dockerfile" "$repo" >"$work/build.log" 2>&1 \
  || { tail -n 60 "$work/build.log" >&2; fail "the image did not build (above: the end of the build's output)"; }
mb() { echo $(( ($1 + 500000) / 1000000 )); }
size="$(eng image inspect -f '{{.Size}}' "$image")"
base_size="$(eng image inspect -f '{{.Size}}' "$base")"
ok "built in $((SECONDS - build_started))s: $(mb "$size") MB, of which $(mb "$base_size") MB is the base image and $(mb $((size - base_size))) MB is Hearth's"
[ "$(eng run --rm --entrypoint id "$image" -u)" = "1000" ] || fail "the image does not run as uid 1000"
[ "$(eng image inspect -f '{{json .Config.Healthcheck.Test}}' "$image")" != null ] || fail "the image has no HEALTHCHECK"
ok "runs as uid 1000 (user node), with a HEALTHCHECK"
ok "Node.js in the image: $(eng run --rm --entrypoint node "$image" --version)"

# --- a house: the shipped rules, a rules file of the test's own, a configuration ---
step "Starting a container"
mkdir -p "$work/config" "$work/rules"
cp "$repo"/rules/*.yaml "$work/rules/"
# Before its first user exists, the broker has no password file: the homeowner's first start.
cat >"$work/config/hearth.yaml" <<'EOF'
version: 1
tags: ["env:test"]
mqtt:
  allow_anonymous: false
http:
  token: ${HTTP_TOKEN}
notify:
  recipients:
    household: {} # the shipped rules/alerts.yaml notify it; without channels its alerts are logged
EOF
write_lab_rules() { # METRIC [EXTRA-LINE]: a mapping of lab/<room>/temperature; line 7 is EXTRA-LINE
  printf '%s\n' "version: 1" "mappings:" "  - name: lab" "    topic: lab/+room/temperature" \
    "    metric: $1" "    tags: [\"room:{room}\"]" ${2:+"$2"} >"$work/rules/lab.yaml.new"
  mv "$work/rules/lab.yaml.new" "$work/rules/lab.yaml" # as editors save: a new file renamed over the old
}
write_lab_rules lab.temperature
# The container's user (uid 1000) writes the password file next to hearth.yaml, as on the host.
chmod 0777 "$work/config"
chmod 0755 "$work/rules"
chmod 0644 "$work/config/hearth.yaml" "$work/rules"/*.yaml

mqtt_port="$(free_port)"
http_port="$(free_port)"
token="test-token-$RANDOM$RANDOM"
eng volume create "$vol" >/dev/null
health_opts=()
[ "$engine" = docker ] && health_opts=(--health-interval 2s --health-start-period 60s)
eng run -d --name "$ctr" "${health_opts[@]}" \
  -p "127.0.0.1:$mqtt_port:1883" -p "127.0.0.1:$http_port:8686" \
  -e HEARTH_HOST=container-test -e HTTP_TOKEN="$token" \
  -v "$work/config:/app/config" -v "$work/rules:/app/rules" -v "$vol:/data" \
  "$image" >/dev/null
ok "container $ctr: MQTT on 127.0.0.1:$mqtt_port, HTTP on 127.0.0.1:$http_port, data volume $vol"

healthy() {
  case "$engine" in
    docker) [ "$(docker inspect -f '{{.State.Health.Status}}' "$ctr")" = healthy ] ;;
    *) "$engine" healthcheck run "$ctr" >/dev/null 2>&1 ;;
  esac
}
wait_until 60 "the container reports healthy" healthy
ok "reports healthy (the image's HEALTHCHECK on /healthz)"
first_line="$("$engine" logs "$ctr" 2>/dev/null | sed -n 1p)"
node -e 'JSON.parse(process.argv[1])' "$first_line" 2>/dev/null || fail "the log is not JSON lines: $first_line"
ok "logs JSON lines"
[ "$(eng exec "$ctr" id -u)" = "1000" ] || fail "Hearth does not run as uid 1000 in the container"
ok "Hearth runs as uid 1000"

# --- users, made inside the container, and the broker's password file turned on by an edit ---
step "Broker users with hearth passwd inside the container"
password="plug-pw-$RANDOM$RANDOM"
printf '%s\n' "$password" | eng exec -i "$ctr" hearth passwd /app/config/passwd plug >/dev/null \
  || fail "hearth passwd in the container failed"
eng exec "$ctr" grep -q '^plug:\$scrypt\$' /app/config/passwd || fail "config/passwd holds no scrypt line for user plug"
ok "hearth passwd wrote config/passwd (owner uid and mode: $(eng exec "$ctr" stat -c '%u %a' /app/config/passwd))"
cat >"$work/config/hearth.yaml.new" <<'EOF'
version: 1
tags: ["env:test"]
mqtt:
  allow_anonymous: false
  password_file: config/passwd
http:
  token: ${HTTP_TOKEN}
notify:
  recipients:
    household: {} # the shipped rules/alerts.yaml notify it; without channels its alerts are logged
EOF
mv "$work/config/hearth.yaml.new" "$work/config/hearth.yaml"
wait_until 30 "the saved hearth.yaml is reloaded" logs_have "Reloaded configuration: mqtt.password_file"
ok "saving hearth.yaml applied mqtt.password_file without a restart"

# --- MQTT on the mapped port, and what it becomes on /api/series ---
step "Authenticated MQTT on the mapped port"
pub() { mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -q 1 -i "test-$RANDOM" "$@"; }
if out="$(pub -u plug -P wrong-password -t tele/plug1/SENSOR -m '{}' 2>&1)"; then
  fail "a wrong password was accepted"
fi
ok "a wrong password is refused (${out//$'\n'/ })"
if pub -t tele/plug1/SENSOR -m '{}' >/dev/null 2>&1; then fail "a client without credentials was accepted"; fi
ok "a client without credentials is refused"
pub -u plug -P "$password" -t tele/plug1/SENSOR -f "$repo/test/fixtures/power/tasmota-sensor-energy.json" \
  || fail "the authenticated QoS 1 publish was not acknowledged"
pub -u plug -P "$password" -r -t tele/plug1/LWT -m Online || fail "the retained publish was not acknowledged"
ok "user plug's QoS 1 publishes (a Tasmota SENSOR message, a retained LWT) are acknowledged"

api() { curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port$1"; }
# series_value METRIC TAG: the latest value of the series METRIC carrying TAG, or nothing.
series_value() {
  api "/api/series?metric=$1" 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const hit = JSON.parse(s).series.find((x) => x.tags.includes(process.argv[1]));
      if (hit) console.log(hit.value);
    });' "$2"
}
value_is() { [ "$(series_value "$1" "$2")" = "$3" ]; }
wait_until 20 "power.watts{device:plug1} = 2635 on /api/series" value_is power.watts device:plug1 2635
ok "/api/series (from outside, with the bearer token) shows power.watts{device:plug1} = 2635"
code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/api/series")"
[ "$code" = 401 ] || fail "/api/series without the token answered $code, not 401"
ok "/api/series without the token is refused (401)"

# A second user, added while Hearth runs: SIGHUP reaches Hearth through tini.
printf '%s\n' "$password-2" | eng exec -i "$ctr" hearth passwd /app/config/passwd sensor >/dev/null || fail "hearth passwd (second user) failed"
eng kill -s HUP "$ctr" >/dev/null
wait_until 20 "user sensor may publish after SIGHUP" quiet pub -u sensor -P "$password-2" -t lab/attic/temperature -m 21.5
ok "a user added with hearth passwd logs in after SIGHUP (forwarded by tini)"

# --- the data volume ---
step "Data volume"
owners="$(eng exec "$ctr" sh -c 'stat -c "%u %n" /data/*')"
[ -n "$owners" ] || fail "nothing was written to /data"
if grep -qv '^1000 ' <<<"$owners"; then fail "files in /data not owned by uid 1000: $owners"; fi
ok "written by uid 1000: $(awk '{print $2}' <<<"$owners" | tr '\n' ' ')"

# --- rules edited in the mounted folder ---
step "Editing rules/ while Hearth runs"
wait_until 10 "lab.temperature{room:attic} = 21.5" value_is lab.temperature room:attic 21.5
ok "rules/lab.yaml maps lab/attic/temperature to lab.temperature"
write_lab_rules lab.air_temperature
wait_until 20 "the rules edit is reloaded" logs_have "Reloaded configuration: rules.mappings"
pub -u plug -P "$password" -t lab/attic/temperature -m 22.5 || fail "publish after the rules edit"
wait_until 10 "lab.air_temperature{room:attic} = 22.5" value_is lab.air_temperature room:attic 22.5
ok "after saving a new metric name, the next message becomes lab.air_temperature = 22.5"
# A new metric name and, on line 7, a kind that does not exist: nothing of it may apply.
write_lab_rules lab.never "    kind: gauge!"
wait_until 20 "the broken edit is refused with its position" logs_have "rules/lab.yaml:7:"
ok "a broken edit is refused: $(log_message rules/lab.yaml:7:)"
[ "$(log_message 'Reload rejected')" ] || fail "no 'Reload rejected' line after the broken edit"
logs_have '"code":"HEARTH_E_RELOAD_REJECTED"' || fail "the refusal carries no HEARTH_E_RELOAD_REJECTED"
healthy || fail "not healthy after the broken edit"
pub -u plug -P "$password" -t lab/attic/temperature -m 23.5 || fail "publish after the broken edit"
wait_until 10 "lab.air_temperature{room:attic} = 23.5" value_is lab.air_temperature room:attic 23.5
[ -z "$(series_value lab.never room:attic)" ] || fail "the broken edit's metric name was applied"
ok "the hub keeps running with the last good rules (lab.air_temperature = 23.5, no lab.never)"
write_lab_rules lab.air_temperature
wait_until 20 "the repaired rules file is reloaded" logs_have "Reloaded configuration: rules"

# --- restart ---
step "Restart"
eng restart -t 30 "$ctr" >/dev/null
wait_until 60 "healthy again after the restart" healthy
retained="$(mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -u plug -P "$password" -t tele/plug1/LWT -C 1 -W 10 2>&1)" \
  || fail "no retained tele/plug1/LWT after the restart ($retained)"
[ "$retained" = Online ] || fail "the retained tele/plug1/LWT after the restart is \"$retained\", not Online"
ok "the retained message published before the restart is still there (broker.db on the volume)"
pub -u plug -P "$password" -t lab/attic/temperature -m 24.5 || fail "publish after the restart"
wait_until 10 "lab.air_temperature{room:attic} = 24.5 after the restart" value_is lab.air_temperature room:attic 24.5
ok "users, configuration and the edited rules are in force after the restart"

# --- SIGTERM ---
step "Stopping with SIGTERM"
stop_started=$SECONDS
eng stop -t 30 "$ctr" >/dev/null
exit_code="$(eng inspect -f '{{.State.ExitCode}}' "$ctr")"
[ "$exit_code" = 0 ] || fail "the container exited with $exit_code on SIGTERM, not 0"
logs_have "Stopping on SIGTERM" || fail "Hearth did not log its SIGTERM stop"
ok "exited 0 in $((SECONDS - stop_started))s of the 30s allowed"

printf '\ncontainer test passed in %ss (%s, base %s, image %s MB)\n' "$((SECONDS - started))" "$engine" "$base" "$(mb "$size")"
printf 'container: %s passed, 0 failed\n' "$passed"
