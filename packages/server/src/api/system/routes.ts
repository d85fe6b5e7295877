/** The operational routes (docs/api.md, "Operational routes"): liveness, the OpenAPI document, Prometheus metrics. */
import type { GantryMetrics } from "../../metrics/metrics.js";
import type { Route } from "../http/route.js";
import { openApiDocument } from "../public/openapi.js";

export interface SystemRouteOptions {
  metrics?: GantryMetrics | undefined;
  /** `/metrics` requires an API key (config `metrics.auth`); default open. */
  metricsAuth?: boolean | undefined;
}

const HEALTHY = Object.freeze({ json: Object.freeze({ status: "ok" }) });

export function systemRoutes({ metrics, metricsAuth }: SystemRouteOptions): Route[] {
  const routes: Route[] = [
    { methods: ["GET"], path: "/healthz", auth: "none", handle: async () => HEALTHY },
    {
      methods: ["GET"],
      path: "/openapi.json",
      auth: "none",
      handle: async () => ({ json: openApiDocument() }),
    },
  ];
  if (metrics) {
    routes.push({
      methods: ["GET"],
      path: "/metrics",
      auth: metricsAuth ? "apiKey" : "none",
      handle: async () => ({ text: await metrics.render(), contentType: metrics.contentType }),
    });
  }
  return routes;
}
