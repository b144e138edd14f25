// Server: GET /metrics -> the app's Prometheus registry in the text exposition format.

import type { FastifyInstance } from 'fastify';
import type { AppMetrics } from '../metrics.ts';

export async function metricsRoutes(app: FastifyInstance, options: { metrics: AppMetrics }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
}
