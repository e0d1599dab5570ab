import { z } from "zod";

/** Where a push server, a webhook or the status page is reached. */
export const HttpUrl = z.string().refine(
  (s) => {
    try {
      return ["http:", "https:"].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  },
  { message: "expected an http:// or https:// URL" },
);

/** One item or a list of them, read as a list. */
export const oneOrMore = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
