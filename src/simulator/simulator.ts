import mqtt, { type MqttClient } from "mqtt";
import type { Cancel, Clock } from "../kit/clock.js";
import type { Logger } from "../kit/log.js";
import type { SimulatorConfig } from "./schema.js";
import { houseStory, type DeviceState } from "./story.js";

/**
 * The demo's house: plugs, a hydroponic tank and a person, each a real MQTT client publishing
 * the payloads their firmware would (Tasmota SENSOR/STATE/LWT, OwnTracks locations and region
 * transitions) to Hearth's own broker. The story follows the clock it is given: the demo hands
 * the hub a StoryClock running `speed` times faster than real time.
 */
const HOME = { lat: 52.3702, lon: 4.8952 };
const AWAY = { lat: 52.3561, lon: 4.9534 };
export class Simulator {
  private clients: MqttClient[] = [];
  private cancelTick: Cancel | undefined;
  private lastPresence = new Map<string, boolean>();
  private lastRelay = new Map<string, boolean>();
  private energyKwh = new Map<string, number>();
  private lastTick: number;

  constructor(
    private readonly config: SimulatorConfig,
    private readonly brokerUrl: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.lastTick = clock.now();
  }

  /** Story time: the clock's minute of the day, in the hub's zone. */
  storyMinutes(): number {
    const d = new Date(this.clock.now());
    return d.getHours() * 60 + d.getMinutes() + d.getSeconds() / 60;
  }

  async start(): Promise<void> {
    const state = houseStory(this.storyMinutes());
    for (const plug of state.plugs) {
      this.clients.push(await this.connect(plug.name, { topic: `tele/${plug.name}/LWT`, payload: "Offline", retain: true }));
      this.energyKwh.set(plug.name, plug.startKwh);
    }
    this.clients.push(await this.connect(state.tank.name, { topic: `tele/${state.tank.name}/LWT`, payload: "Offline", retain: true }));
    this.clients.push(await this.connect("presence", undefined));
    this.cancelTick = this.clock.setInterval(() => this.tick(), this.config.interval);
    this.tick();
    this.log.info({ devices: this.clients.length }, `Simulator started: ${this.clients.length} devices`);
  }

  private connect(name: string, will: { topic: string; payload: string; retain: boolean } | undefined): Promise<MqttClient> {
    return new Promise((resolve, reject) => {
      const client = mqtt.connect(this.brokerUrl, { clientId: `sim-${name}`, reconnectPeriod: 1000, ...(will ? { will: { ...will, qos: 1 } } : {}) });
      // Like Tasmota: announce "Online" on every (re)connect; the broker publishes the will when the link drops.
      client.on("connect", () => {
        if (will) client.publish(will.topic, "Online", { retain: true });
        resolve(client);
      });
      client.once("error", (err) => reject(err));
    });
  }

  private client(name: string): MqttClient | undefined {
    return this.clients.find((c) => c.options.clientId === `sim-${name}`);
  }

  private tick(): void {
    const now = this.clock.now();
    const hours = (now - this.lastTick) / 3_600_000;
    this.lastTick = now;
    const state = houseStory(this.storyMinutes());
    const time = new Date(now).toISOString().slice(0, 19);
    for (const plug of state.plugs) this.publishPlug(plug, time, hours);
    const t = state.tank;
    this.client(t.name)?.publish(
      `tele/${t.name}/SENSOR`,
      JSON.stringify({
        Time: time,
        ANALOG: { A1: t.phRaw },
        DS18B20: { Id: "0516B0894AFF", Temperature: t.waterC },
        HX711: { Weight: t.weightKg },
        ECCalc: { EC: t.ecMsCm },
        TempUnit: "C",
      }),
    );
    for (const p of state.people) this.publishPerson(p.name, p.home, now);
  }

  /**
   * Like the OwnTracks app (owntracks/booklet docs/tech/json.md): a region transition on
   * …/event when the phone enters or leaves "home", and locations listing the regions it is in.
   */
  private publishPerson(name: string, home: boolean, now: number): void {
    const c = this.client("presence");
    const topic = `owntracks/${name}/phone`;
    const tst = Math.floor(now / 1000);
    const where = home ? HOME : AWAY;
    const previous = this.lastPresence.get(name);
    this.lastPresence.set(name, home);
    if (previous !== home) {
      this.log.info({ person: name, home }, `Simulator: ${name} is ${home ? "home" : "away"}`);
      if (previous !== undefined) {
        c?.publish(
          `${topic}/event`,
          JSON.stringify({
            _type: "transition",
            event: home ? "enter" : "leave",
            desc: "home",
            t: "c",
            tid: name.slice(0, 2),
            tst,
            wtst: 1704067200,
            acc: 15,
            ...HOME,
          }),
        );
      }
    }
    c?.publish(
      topic,
      JSON.stringify({
        _type: "location",
        tid: name.slice(0, 2),
        tst,
        acc: 12,
        batt: 81,
        conn: "w",
        t: "t",
        ...where,
        ...(home ? { inregions: ["home"] } : {}),
      }),
      { retain: true },
    );
  }

  private publishPlug(plug: DeviceState, time: string, hours: number): void {
    const c = this.client(plug.name);
    if (!c) return;
    const total = (this.energyKwh.get(plug.name) ?? 0) + (plug.watts * hours) / 1000;
    this.energyKwh.set(plug.name, total);
    const voltage = 229 + Math.round(Math.random() * 40) / 10;
    const current = plug.watts / voltage;
    c.publish(
      `tele/${plug.name}/SENSOR`,
      JSON.stringify({
        Time: time,
        ENERGY: {
          TotalStartTime: "2024-01-01T00:00:00",
          Total: round(total, 3),
          Yesterday: round(plug.startKwh / 100, 3),
          Today: round(total - plug.startKwh, 3),
          Power: Math.round(plug.watts),
          ApparentPower: Math.round(plug.watts * 1.02),
          ReactivePower: Math.round(plug.watts * 0.1),
          Factor: plug.watts > 0 ? 0.98 : 0,
          Voltage: Math.round(voltage),
          Current: round(current, 3),
        },
      }),
    );
    if (this.lastRelay.get(plug.name) !== plug.relay) {
      this.lastRelay.set(plug.name, plug.relay);
      c.publish(`stat/${plug.name}/POWER`, plug.relay ? "ON" : "OFF", { retain: true });
    }
  }

  async stop(): Promise<void> {
    this.cancelTick?.();
    await Promise.all(this.clients.map((c) => c.endAsync()));
    this.clients = [];
  }
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
