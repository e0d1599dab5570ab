import { IANAZone } from "luxon";
import { z } from "zod";
import { Duration, Name, Tags } from "../config-kit/common.js";
import { windowProblems } from "./windows.js";
import { NotifyStates, Recipients } from "./schema-parts.js";

/**
 * One entry of a calendar's `windows`. Exactly one of `days` (or none: every day), `date`,
 * `start`/`end`, or `rrule` says when; `from`/`to` give wall-clock hours in the calendar's zone.
 * The shapes and their meaning are described in README.md ("Downtime calendars").
 */
export const CalendarWindow = z
  .strictObject({
    days: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .meta({ description: 'Weekdays the hours apply to: "mon-fri", "sat,sun", ["mon", "wed"]. Absent: every day (unless date, start or rrule is given).' }),
    from: z.string().optional().meta({
      description: 'Start, "HH:MM" in the calendar\'s zone; or "fri 19:00" (weekday and time) for a span that runs to the `to` weekday. Absent: 00:00.',
    }),
    to: z.string().optional().meta({
      description:
        'End, "HH:MM" ("24:00" for midnight); or "mon 09:00" with a weekday `from`. With `days`, a `to` earlier than `from` wraps midnight: each listed day is muted until `to` and again from `from`.',
    }),
    date: z.string().optional().meta({ description: "One day, YYYY-MM-DD: the whole day, or the hours from/to on it." }),
    start: z.string().optional().meta({
      description:
        "A one-off window's start, YYYY-MM-DDTHH:MM in the calendar's zone (or with an offset). With rrule: the date the rule counts from (default 2000-01-01).",
    }),
    end: z.string().optional().meta({ description: "A one-off window's end, YYYY-MM-DDTHH:MM in the calendar's zone (or with an offset)." }),
    rrule: z.string().optional().meta({
      description:
        'An RFC 5545 rule for the days a window starts on, without DTSTART ("FREQ=MONTHLY;BYDAY=1SA"). The window runs from `from` to `to` (the next day when earlier) or for `duration`.',
    }),
    duration: Duration.optional().meta({
      description: "With rrule: a fixed length instead of `to` (note: a fixed length moves the local end time across a daylight-saving change).",
    }),
  })
  .superRefine((w, ctx) => {
    for (const p of windowProblems(w)) ctx.addIssue({ code: "custom", message: p.message, path: p.field ? [p.field] : [] });
  })
  .meta({ description: "When the calendar mutes: weekly hours, a weekday-to-weekday span, a date, a one-off start/end, or an RRULE." });

export type CalendarWindow = z.output<typeof CalendarWindow>;

const CalendarAnnouncement = z.enum(["scheduled", "started", "ended", "digest"]);

export const Calendar = z
  .strictObject({
    name: Name.meta({ description: "The calendar's name; monitors list it in their `calendars`." }),
    timezone: z
      .string()
      .refine((tz) => IANAZone.isValidZone(tz), { message: 'expected an IANA time zone such as "Europe/Berlin" or "UTC"' })
      .meta({
        description:
          'IANA time zone the windows are written in ("Europe/Berlin", "UTC"). Windows end at their local time on both sides of a daylight-saving change.',
      }),
    windows: z.array(CalendarWindow).min(1).meta({ description: "When monitors are muted. Overlapping and adjacent windows merge into one." }),
    monitor_tags: z
      .array(z.string().regex(/^(\*|[^\s:,][^\s,]*:[^\s,]+)$/, { message: 'expected "*" or a "key:value" tag' }))
      .optional()
      .meta({ description: 'Also mute every monitor that carries all these tags (a monitor\'s `tags`); ["*"] mutes every monitor.' }),
    scope: Tags.optional().meta({ description: "Only mute the groups (and queries) carrying all these tags, e.g. appliance:stove." }),
    mute_first_recovery_notification: z
      .boolean()
      .default(false)
      .meta({ description: "Also mute the first recovery of an alert that fired before the window (Datadog sends it by default)." }),
    notify_end_states: NotifyStates.prefault(["alert", "warn", "no data"]).meta({
      description: "When a window ends, monitors still in one of these states notify again.",
    }),
    recipients: Recipients,
    announce: z.array(CalendarAnnouncement).default(["scheduled", "digest"]).meta({
      description:
        "What the recipients are told: scheduled (the calendar is new or changed), started, ended (each window), digest (at the end of a window in which anything happened).",
    }),
  })
  .meta({ description: "A downtime calendar: when the monitors that name it (or match its tags) are muted, and who hears about it." });

export type Calendar = z.output<typeof Calendar>;
