import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one running system (a registry of its own, so tests can run several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "po_" });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: "po_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "po_http_request_duration_seconds",
      help: "HTTP request duration",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    predictionsCreated: new Counter({
      name: "po_replicate_predictions_created_total",
      help: "Predictions created on Replicate, by merchant",
      labelNames: ["merchant"],
      registers,
    }),
    throttled: new Counter({ name: "po_replicate_throttled_total", help: "429 answers from Replicate", registers }),
    createFailures: new Counter({
      name: "po_replicate_create_failures_total",
      help: "Prediction creates that failed, by kind",
      labelNames: ["kind"],
      registers,
    }),
    webhooks: new Counter({
      name: "po_replicate_webhooks_total",
      help: "Replicate webhooks received, by outcome",
      labelNames: ["outcome"],
      registers,
    }),
    firstPrediction: new Histogram({
      name: "po_optimization_first_prediction_seconds",
      help: "From a job's creation to its first prediction created",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 60],
      registers,
    }),
    gauge: (name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => Promise<void> | void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          await collect(this);
        },
      }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
