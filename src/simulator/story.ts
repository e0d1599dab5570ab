/**
 * The demo house's day, as data: what each plug draws, the tank's water and who is home at a
 * given story minute (0 = midnight of day one). The stove is left on when Alex goes out at
 * 08:00 and only goes off when Alex is back at 10:00, the curling iron stays on until 09:10,
 * and the tank's pH drifts past its warning at about 08:30: the cases Hearth's alerts exist for.
 */
export interface DeviceState {
  name: string;
  watts: number;
  relay: boolean;
  startKwh: number;
}

interface TankState {
  name: string;
  /** Raw ADC reading of the pH probe (calibrated in rules/). */
  phRaw: number;
  waterC: number;
  ecMsCm: number;
  weightKg: number;
}

interface HouseState {
  plugs: DeviceState[];
  tank: TankState;
  people: { name: string; home: boolean }[];
}

/** [from, to) in minutes of the day. */
type Window = [number, number];

const at = (h: number, m = 0) => h * 60 + m;
const within = (minute: number, windows: Window[]) => windows.some(([a, b]) => minute >= a && minute < b);

const PLUGS: readonly { name: string; watts: number; on: Window[]; idleWatts: number; startKwh: number; jitter: number }[] = [
  {
    name: "kitchen_plug",
    watts: 2000,
    on: [
      [at(7, 30), at(10, 5)],
      [at(18, 30), at(19, 15)],
    ],
    idleWatts: 0,
    startKwh: 412.5,
    jitter: 60,
  },
  { name: "bathroom_plug", watts: 1200, on: [[at(7, 40), at(9, 10)]], idleWatts: 0, startKwh: 35.2, jitter: 30 },
  { name: "living_room_tv", watts: 95, on: [[at(18, 0), at(23, 0)]], idleWatts: 0.4, startKwh: 120.9, jitter: 5 },
];

const AWAY: Window[] = [
  [at(8, 0), at(10, 0)],
  [at(13, 0), at(17, 30)],
];

/** The inverse of the two-point calibration in rules/house.yaml ([[1980, 4.0], [1500, 7.0]]). */
const PH_RAW_AT_4 = 1980;
const RAW_PER_PH = (1980 - 1500) / 3;
const phAt = (minute: number) => 6.15 + 0.25 * Math.sin((2 * Math.PI * (minute - 480)) / 1440);

export function houseStory(storyMinute: number): HouseState {
  const minute = ((storyMinute % 1440) + 1440) % 1440;
  const plugs: DeviceState[] = PLUGS.map((p) => {
    const on = within(minute, p.on);
    return { name: p.name, relay: on || p.idleWatts > 0, watts: on ? p.watts + (Math.random() - 0.5) * p.jitter : p.idleWatts, startKwh: p.startKwh };
  });
  // A fridge compressor: ~12 minutes on, ~18 off, hovering around a low threshold while on.
  const compressor = minute % 30 < 12;
  plugs.push({ name: "fridge_plug", relay: true, watts: compressor ? 85 + Math.random() * 30 : 2 + Math.random() * 2, startKwh: 980.1 });
  const day = storyMinute / 1440;
  return {
    plugs,
    tank: {
      name: "tank1",
      // The pH drifts up through the morning as the plants take up nitrate, past the tank pH
      // monitor's warning (6.2) at about 08:30, peaks near 6.4 at 14:00 and settles overnight.
      phRaw: Math.round(PH_RAW_AT_4 - (phAt(minute) - 4) * RAW_PER_PH + (Math.random() - 0.5) * 8),
      waterC: Math.round((19.5 + 1.5 * Math.sin((Math.PI * (minute - 360)) / 720)) * 10) / 10,
      ecMsCm: Math.round((1.35 - 0.1 * (day % 3)) * 100) / 100,
      weightKg: Math.round((42 - 2 * (minute / 1440)) * 1000) / 1000,
    },
    people: [{ name: "alex", home: !within(minute, AWAY) }],
  };
}
