/** Job ids of endpoint-api §1.5: `<uuid>-<node>` for `/run`, `sync-<uuid>-<node>` for `/runsync`. */
import { randomUUID } from "node:crypto";

export const NODE_ID_PATTERN = /^[A-Za-z0-9]+$/;

export function newJobId(nodeId: string, sync: boolean): string {
  return `${sync ? "sync-" : ""}${randomUUID()}-${nodeId}`;
}
