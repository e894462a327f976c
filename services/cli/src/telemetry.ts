// The services' entry point owns the OpenTelemetry SDK (README, "Observability"). W3C trace-context propagation is
// always on, so the trace a request carries reaches the job even with nothing exported. An SDK is started only for
// what is configured: OTEL_EXPORTER_OTLP_ENDPOINT → a TracerProvider exporting spans and a MeterProvider exporting
// metrics over OTLP/HTTP (JSON); METRICS_ENABLED → a MeterProvider read by the Prometheus endpoint. With neither,
// no provider exists and @opentelemetry/api stays its no-op: the fleet's own spans and metrics are skipped.
// The SDK packages are imported only when configured: loaded, they hold ~10 MB of a node's memory for nothing.
import { metrics, propagation } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { enableTracing, fleetMetrics, type FleetConfig } from '@mcp-fleet/shared';

export interface Telemetry {
  /** the Prometheus exporter's request handler, when METRICS_ENABLED */
  prometheus?: PrometheusExporter;
  /** Flushes what is buffered (spans, a last metrics export) and stops the providers. */
  shutdown(): Promise<void>;
}

export async function startTelemetry(config: FleetConfig, role: 'front' | 'worker'): Promise<Telemetry> {
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  propagation.setGlobalPropagator(propagator);
  const otlp = config.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  if (!otlp && !config.METRICS_ENABLED) return { shutdown: async () => {} };

  const [{ resourceFromAttributes }, { MeterProvider, PeriodicExportingMetricReader }] = await Promise.all([
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-metrics'),
  ]);

  const resource = resourceFromAttributes({
    'service.name': config.OTEL_SERVICE_NAME ?? `mcp-fleet-${role}`,
    ...(config.NODE_ID && { 'service.instance.id': config.NODE_ID }),
  });
  const stops: (() => Promise<void>)[] = [];

  if (otlp) {
    const [{ BatchSpanProcessor, NodeTracerProvider }, { OTLPTraceExporter }] = await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
    ]);
    const tracer = new NodeTracerProvider({
      resource,
      // Batched: one export per OTEL_BSP_SCHEDULE_DELAY (the SDK reads its OTEL_BSP_* settings itself).
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlp}/v1/traces` }))],
    });
    tracer.register({ propagator });
    enableTracing();
    stops.push(() => tracer.shutdown());
  }

  const readers: IMetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  if (config.METRICS_ENABLED) {
    // No server of its own: the front node serves it on its port, a worker on METRICS_PORT, both behind metricsAccess.
    const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
    prometheus = new PrometheusExporter({ preventServerStart: true });
    readers.push(prometheus);
  }
  if (otlp) {
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${otlp}/v1/metrics` }),
        exportIntervalMillis: config.OTEL_METRIC_EXPORT_INTERVAL,
      }),
    );
  }
  const meters = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(meters);
  fleetMetrics.enable(meters.getMeter('mcp-fleet'));
  stops.push(() => meters.shutdown());

  return {
    prometheus,
    async shutdown() {
      await Promise.allSettled(stops.map((s) => s()));
    },
  };
}
