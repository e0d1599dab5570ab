import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CROP_PROFILES } from "../../src/house/crops.js";
import { tankTargets } from "../../src/house/tanks.js";
import { readFixture, readMessages } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { asWant, publishAll, rejected, tagged, type Want } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

const RULES = `
tanks:
  lettuce_bed:
    crop: lettuce
    topic: tele/Tanksensor/SENSOR
    ph:
      path: ANALOG.A1
      calibrate: [[1980, 4.0], [1500, 7.0]]   # ADC reading in the pH 4 and pH 7 buffers
    ec: {path: ECCalc.EC, unit: mS/cm}
    water_temperature: DS18B20.Temperature
    level: {path: HX711.Weight, unit: kg}
  atlas:
    crop: basil
    ph: {topic: sensors/hydroponics-kit/ph}
    ec: {topic: sensors/hydroponics-kit/ec, unit: µS/cm, field: 1}
    water_temperature: {topic: sensors/hydroponics-kit/temp}
  tds:
    crop: tomato
    ec: {topic: garden/sensor/tds/state, unit: ppm, ppm_factor: 700}
    water_temperature: {topic: garden/sensor/water_temp_f/state, unit: °F}
    ph: {topic: tuya/ph, scale: 0.01}
    ph_range: [5.8, 6.2]
`;

describe("Hydroponic tanks", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "tanks.yaml": RULES } });
  });
  afterAll(() => t.stop());

  const of = (tank: string) => t.samples.filter((s) => s.tags.includes(`tank:${tank}`)).map(asWant);

  it("reads a Tasmota tank node: a calibrated raw pH, EC, water temperature and level, tagged with the tank and crop", async () => {
    // arendst/Tasmota#16942 (test/fixtures/hydroponics/README.md): two STATE and two SENSOR frames.
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, readMessages("hydroponics/tasmota-tank-sensor-analog-ph-ec-watertemp.jsonl"));
    await client.endAsync();
    const tags = tagged("tank:lettuce_bed", "crop:lettuce");
    const want: Want[] = [
      ["hydro.ph", 5.68125, "pH", tags], // 4 + (1711 − 1980) × (7 − 4)/(1500 − 1980)
      ["hydro.ec", 0.9, "mS/cm", tags],
      ["hydro.water_temperature", 19.8, "°C", tags],
      ["hydro.level", 9.457, "kg", tags],
      ["hydro.ph", 5.78125, "pH", tags],
      ["hydro.ec", 0.9, "mS/cm", tags],
      ["hydro.water_temperature", 19.8, "°C", tags],
      ["hydro.level", 9.456, "kg", tags],
    ];
    await waitFor(() => of("lettuce_bed").length >= want.length, `${want.length} tank samples`);
    expect(of("lettuce_bed")).toEqual(want);
  });

  it("normalises EC to mS/cm from µS/cm (Atlas EZO's CSV answer) and from ppm at the meter's factor, and °F to °C", async () => {
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, [
      // Atlas Scientific's hydroponics kit publishes bare readings on sensors/hydroponics-kit/{ph,ec,temp}
      // (Ezo_I2c_lib Examples/IOT_kits/hydroponics_kit_mqtt); with TDS, SAL and SG output on, EC answers CSV.
      { topic: "sensors/hydroponics-kit/ph", payload: "6.02" },
      { topic: "sensors/hydroponics-kit/ec", payload: "1413,706,0.69,1.000" },
      { topic: "sensors/hydroponics-kit/temp", payload: "21.4" },
      // An ESPHome TDS meter on the 700 scale, a probe in °F, and a Tuya monitor sending pH × 100 (make-all/tuya-local#580).
      { topic: "garden/sensor/tds/state", payload: "1400" },
      { topic: "garden/sensor/water_temp_f/state", payload: "68.0" },
      { topic: "tuya/ph", payload: "612" },
    ]);
    await client.endAsync();
    await waitFor(() => of("atlas").length >= 3 && of("tds").length >= 3, "six samples");
    expect(of("atlas")).toEqual([
      ["hydro.ph", 6.02, "pH", tagged("tank:atlas", "crop:basil")],
      ["hydro.ec", 1.413, "mS/cm", tagged("tank:atlas", "crop:basil")],
      ["hydro.water_temperature", 21.4, "°C", tagged("tank:atlas", "crop:basil")],
    ]);
    expect(of("tds")).toEqual([
      ["hydro.ec", 2, "mS/cm", tagged("tank:tds", "crop:tomato")],
      ["hydro.water_temperature", 20, "°C", tagged("tank:tds", "crop:tomato")],
      ["hydro.ph", 6.12, "pH", tagged("tank:tds", "crop:tomato")],
    ]);
  });

  it("rejects what no probe can measure and a probe's error text, counted, and keeps reading", async () => {
    const range = await rejected(t.httpUrl, "out_of_range");
    const words = await rejected(t.httpUrl, "wrong_type");
    const before = of("atlas").length;
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, [
      // The Atlas kit's code treats an RTD reading of -1023 as no probe; an EZO pH circuit answers "check probe".
      { topic: "sensors/hydroponics-kit/temp", payload: "-1023.000" },
      { topic: "sensors/hydroponics-kit/ph", payload: "check probe" },
      { topic: "sensors/hydroponics-kit/ph", payload: "5.98" },
    ]);
    await client.endAsync();
    await waitFor(() => of("atlas").length > before, "the good reading");
    expect(of("atlas").slice(before)).toEqual([["hydro.ph", 5.98, "pH", tagged("tank:atlas", "crop:basil")]]);
    expect(await rejected(t.httpUrl, "out_of_range")).toBe(range + 1);
    expect(await rejected(t.httpUrl, "wrong_type")).toBe(words + 1);
  });
});

describe("Crop profiles", () => {
  it("are the published ranges, spanning the sources where they disagree", () => {
    // test/fixtures/hydroponics/crop-ranges-ph-ec.json: the sources side by side.
    const table = JSON.parse(readFixture("hydroponics/crop-ranges-ph-ec.json")) as {
      crops: Record<string, { ph: { min: number; max: number }; ec_mS_cm: { min: number; max: number }[] }>;
    };
    expect(Object.keys(CROP_PROFILES)).toEqual(Object.keys(table.crops));
    for (const [crop, c] of Object.entries(table.crops)) {
      const profile = CROP_PROFILES[crop]!;
      expect(profile.ph).toEqual({ min: c.ph.min, max: c.ph.max });
      expect(profile.ec).toEqual({ min: Math.min(...c.ec_mS_cm.map((r) => r.min)), max: Math.max(...c.ec_mS_cm.map((r) => r.max)) });
      expect(profile.sources.ec.map(({ min, max }) => ({ min, max }))).toEqual(c.ec_mS_cm.map(({ min, max }) => ({ min, max })));
    }
    expect(CROP_PROFILES.lettuce).toMatchObject({ ph: { min: 5.5, max: 6.5 }, ec: { min: 0.8, max: 1.8 } });
  });

  it("give a tank its targets, narrowed by the tank's own ranges", () => {
    const base = { water_temperature: undefined, level: undefined, ph: undefined, ec: undefined, topic: undefined, ec_range: undefined };
    expect(tankTargets({ ...base, crop: "strawberry", ph_range: undefined })).toEqual({ ph: { min: 5.5, max: 6.2 }, ec: { min: 1.0, max: 2.0 } });
    expect(tankTargets({ ...base, crop: "tomato", ph_range: [5.8, 6.2] })).toEqual({ ph: { min: 5.8, max: 6.2 }, ec: { min: 2.0, max: 5.0 } });
    expect(tankTargets({ ...base, crop: undefined, ph_range: undefined })).toEqual({ ph: undefined, ec: undefined });
  });
});
