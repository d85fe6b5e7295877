import { JOB_STATUSES, LIST_DEFAULT, LIST_MAX, WAIT_MAX_MS, WAIT_MIN_MS } from "@gantry/protocol";
import { SERVER_VERSION } from "../../version.js";

/** OpenAPI 3.1 description of the public API (the worker protocol is internal and documented in docs/protocol.md). */

const jobStatus = {
  type: "string",
  enum: [...JOB_STATUSES],
};

const error = { $ref: "#/components/responses/Error" };
const jobIdParam = {
  name: "jobId",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^[A-Za-z0-9_-]+$" },
};
const waitParam = (def: number) => ({
  name: "wait",
  in: "query",
  required: false,
  description: `Long-poll bound in ms (default ${def}).`,
  schema: { type: "integer", minimum: WAIT_MIN_MS, maximum: WAIT_MAX_MS, default: def },
});
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const ok = (schema: unknown, description = "Success (always 200, whatever the job's status).") => ({
  description,
  ...json(schema),
});
const errors = { "400": error, "401": error, "404": error, "429": error, "500": error };

export function openApiDocument(): Record<string, unknown> {
  const jobView = { $ref: "#/components/schemas/JobView" };
  return {
    openapi: "3.1.0",
    info: {
      title: "Gantry endpoint API",
      version: SERVER_VERSION,
      description:
        'RunPod Serverless–compatible queue API. Every success is HTTP 200; every error is {"error": string}. ' +
        "Authenticate with `Authorization: Bearer <key>` or the bare key.",
    },
    servers: [{ url: "/v2" }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "Authorization" } },
      schemas: {
        JobStatus: jobStatus,
        JobView: {
          type: "object",
          required: ["id", "status"],
          properties: {
            id: { type: "string" },
            status: { $ref: "#/components/schemas/JobStatus" },
            delayTime: { type: "integer", description: "ms from submission to pickup" },
            executionTime: { type: "integer", description: "ms from pickup to the result" },
            input: {},
            output: { description: "The result; while IN_PROGRESS, the latest progress value." },
            error: {},
            workerId: { type: "string" },
            retries: { type: "integer" },
            hint: { type: "string", description: "Gantry extension: why a queued job waits." },
          },
        },
        RunRequest: {
          type: "object",
          required: ["input"],
          additionalProperties: true,
          properties: {
            input: { description: "Any JSON value; handed to the worker unchanged." },
            webhook: { type: "string", format: "uri" },
            policy: {
              type: "object",
              properties: {
                executionTimeout: { type: "integer", description: "ms, 5 s–7 d" },
                ttl: { type: "integer", description: "ms, 10 s–7 d" },
                lowPriority: { type: "boolean" },
              },
            },
            s3Config: { type: "object", additionalProperties: true },
          },
        },
        JobSummary: {
          type: "object",
          required: ["id", "status", "createdAt", "retries"],
          properties: {
            id: { type: "string" },
            status: { $ref: "#/components/schemas/JobStatus" },
            createdAt: { type: "integer", description: "submission time, ms since the epoch" },
            delayTime: { type: "integer", description: "ms from submission to pickup" },
            executionTime: { type: "integer", description: "ms from pickup to the result" },
            workerId: { type: "string" },
            retries: { type: "integer" },
          },
        },
        Error: { type: "object", required: ["error"], properties: { error: { type: "string" } } },
        Health: {
          type: "object",
          properties: {
            jobs: {
              type: "object",
              properties: Object.fromEntries(
                ["completed", "failed", "inProgress", "inQueue", "retried", "cancelled", "timedOut"].map(
                  (k) => [k, { type: "integer" }],
                ),
              ),
            },
            workers: {
              type: "object",
              properties: Object.fromEntries(
                ["idle", "initializing", "ready", "running", "throttled", "unhealthy"].map((k) => [
                  k,
                  { type: "integer" },
                ]),
              ),
            },
            hints: { type: "array", items: { type: "string" } },
          },
        },
      },
      responses: {
        Error: { description: "Error", ...json({ $ref: "#/components/schemas/Error" }) },
      },
    },
    paths: {
      "/{endpointId}/run": {
        parameters: [{ name: "endpointId", in: "path", required: true, schema: { type: "string" } }],
        post: {
          summary: "Queue a job (body ≤ 10 MB).",
          parameters: [
            { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } },
          ],
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/RunRequest" }) },
          responses: { "200": ok(jobView), ...errors, "413": error },
        },
      },
      "/{endpointId}/runsync": {
        parameters: [{ name: "endpointId", in: "path", required: true, schema: { type: "string" } }],
        post: {
          summary:
            "Queue a job and wait for it (body ≤ 20 MB); returns IN_QUEUE/IN_PROGRESS if the wait ends first.",
          parameters: [
            waitParam(90000),
            { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } },
          ],
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/RunRequest" }) },
          responses: { "200": ok(jobView), ...errors, "413": error },
        },
      },
      "/{endpointId}/status/{jobId}": pathItem(["get", "post"], {
        summary: "Read a job's status and result.",
        parameters: [jobIdParam],
        responses: { "200": ok(jobView), ...errors },
      }),
      "/{endpointId}/status-sync/{jobId}": pathItem(["get", "post"], {
        summary: "Long-poll a job's status until terminal or the wait ends.",
        parameters: [jobIdParam, waitParam(90000)],
        responses: { "200": ok(jobView), ...errors },
      }),
      "/{endpointId}/stream/{jobId}": pathItem(["get", "post"], {
        summary:
          "Drain streamed chunks (each returned once), long-polling for at least one. " +
          "GET with `Accept: text/event-stream` streams server-sent events instead (Gantry extension).",
        parameters: [
          jobIdParam,
          waitParam(10000),
          { name: "Last-Event-ID", in: "header", required: false, schema: { type: "integer" } },
          { name: "lastEventId", in: "query", required: false, schema: { type: "integer" } },
        ],
        responses: {
          "200": {
            description: "Chunks since the last call; `stream` is always an array.",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["status", "stream"],
                  properties: {
                    status: { $ref: "#/components/schemas/JobStatus" },
                    stream: {
                      type: "array",
                      items: { type: "object", required: ["output"], properties: { output: {} } },
                    },
                  },
                },
              },
              "text/event-stream": { schema: { type: "string" } },
            },
          },
          ...errors,
        },
      }),
      "/{endpointId}/cancel/{jobId}": pathItem(["post"], {
        summary: "Cancel a queued or running job.",
        parameters: [jobIdParam],
        responses: {
          "200": ok({ type: "object", properties: { id: { type: "string" }, status: jobStatus } }),
          ...errors,
        },
      }),
      "/{endpointId}/retry/{jobId}": pathItem(["post"], {
        summary: "Requeue a FAILED or TIMED_OUT job under the same id.",
        parameters: [jobIdParam],
        responses: {
          "200": ok({ type: "object", properties: { id: { type: "string" }, status: jobStatus } }),
          ...errors,
        },
      }),
      "/{endpointId}/purge-queue": pathItem(["post"], {
        summary: "Remove every queued job; running jobs continue.",
        parameters: [],
        responses: {
          "200": ok({
            type: "object",
            properties: { removed: { type: "integer" }, status: { type: "string", const: "completed" } },
          }),
          ...errors,
        },
      }),
      "/{endpointId}/health": pathItem(["get"], {
        summary: "Job and worker counters.",
        parameters: [],
        responses: { "200": ok({ $ref: "#/components/schemas/Health" }), ...errors },
      }),
      "/{endpointId}/requests": pathItem(["get"], {
        summary: "The endpoint's recent jobs, newest first (summaries without input or output).",
        parameters: [
          {
            name: "limit",
            in: "query",
            required: false,
            schema: { type: "integer", minimum: 1, maximum: LIST_MAX, default: LIST_DEFAULT },
          },
          { name: "status", in: "query", required: false, schema: jobStatus },
        ],
        responses: {
          "200": ok({
            type: "object",
            required: ["requests"],
            properties: { requests: { type: "array", items: { $ref: "#/components/schemas/JobSummary" } } },
          }),
          ...errors,
        },
      }),
    },
  };
}

function pathItem(methods: string[], op: { summary: string; parameters: unknown[]; responses: unknown }) {
  const item: Record<string, unknown> = {
    parameters: [{ name: "endpointId", in: "path", required: true, schema: { type: "string" } }],
  };
  for (const m of methods)
    item[m] = { summary: op.summary, parameters: op.parameters, responses: op.responses };
  return item;
}
