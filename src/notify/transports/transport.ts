import type { z } from "zod";
import type { Channel } from "./channel.js";

/** What a zod shape reads as, once parsed. */
type Parsed<S extends z.ZodRawShape> = z.output<z.ZodObject<S>>;

/** A transport set up for one configuration (a mail server's connection pool, or nothing to hold). */
export interface OpenTransport<R extends z.ZodRawShape = z.ZodRawShape> {
  /** The channels over this transport that reach `recipient`: none when its entry does not name this kind. */
  channels(recipient: string, entry: Parsed<R>): Channel[];
  close?(): void;
}

/**
 * One kind of notification channel, whole: its options under `notify:` in config/hearth.yaml (a
 * server, a token), the field by which a recipient names it under `notify.recipients`, the checks
 * between the two, and how its channels are built. Listed once in ./registry.ts; src/notify/schema.ts
 * puts the options of every transport together.
 */
export interface Transport<O extends z.ZodRawShape, R extends z.ZodRawShape> {
  options: O;
  recipient: R;
  /** Says what does not fit between its options and one recipient's field, as `issue(field, message)`. */
  check?: (options: Parsed<O>, entry: Parsed<R>, issue: (field: keyof R & string, message: string) => void) => void;
  /** Sets it up for `notify:` as parsed; `timeout` is notify.timeout, in milliseconds. */
  open: (config: Parsed<O> & { timeout: number }) => OpenTransport<R>;
}

/** A transport, with its option types read from its shapes. */
export const defineTransport = <O extends z.ZodRawShape, R extends z.ZodRawShape>(transport: Transport<O, R>): Transport<O, R> => transport;
