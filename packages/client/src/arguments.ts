/**
 * Checking what a caller passes with @gantry/protocol's validators, the ones the server applies, so a value the
 * server would refuse fails here, before any request, with the server's own reason.
 */
import { type Parsed, preview } from "@gantry/protocol";

/** The parsed value, or a `TypeError` naming the option, the value given and why it is refused. */
export function valid<T>(parsed: Parsed<T>, name: string, value: unknown): T {
  if (parsed.ok) return parsed.value;
  throw new TypeError(`invalid ${name} ${preview(value, 80)}: ${parsed.error}`);
}
