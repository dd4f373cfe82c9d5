/**
 * The original's root document and its `GET /health` (ORIGINAL-L01-API.md 2.1 rows 1 and 4),
 * both static, as `main.py` wrote them. `/health` needed a key on the original (its
 * middleware covered it, D16) but was meant to be public, and L12's probe calls it without
 * one (C12): here it is public, like `/health/live` and `/health/ready`.
 */
import type { FastifyInstance } from 'fastify';

const PUBLIC = { schema: { hide: true } };

/** `main.py` `root()`, verbatim: the values are for people, some name paths that do not exist (D17). */
export const ROOT_DOCUMENT = {
  service: 'L01 Data Layer',
  version: '1.0.0',
  status: 'operational',
  endpoints: {
    health: '/health/live, /health/ready',
    events: '/events',
    agents: '/agents',
    tools: '/tools',
    config: '/config',
    goals: '/goals (L05 Planning)',
    plans: '/plans (L05 Planning)',
    evaluations: '/evaluations (Legacy L06)',
    feedback: '/feedback',
    documents: '/documents',
    sessions: '/sessions',
    training_examples: '/training-examples (L07 Learning)',
    datasets: '/datasets (L07 Learning)',
    models: '/models (L04 Model Gateway)',
    quality_scores: '/quality-scores (L06 Evaluation)',
    metrics: '/metrics (L06 Evaluation)',
    anomalies: '/anomalies (L06 Evaluation)',
    compliance_results: '/compliance-results (L06 Evaluation)',
    alerts: '/alerts (L06 Evaluation)',
    api_requests: '/api-requests (L09 API Gateway)',
    authentication_events: '/authentication-events (L09 API Gateway)',
    rate_limit_events: '/rate-limit-events (L09 API Gateway)',
    user_interactions: '/user-interactions (L10 Human Interface)',
    control_operations: '/control-operations (L10 Human Interface)',
    saga_executions: '/saga-executions (L11 Integration)',
    saga_steps: '/saga-steps (L11 Integration)',
    circuit_breaker_events: '/circuit-breaker-events (L11 Integration)',
    service_registry_events: '/service-registry-events (L11 Integration)',
  },
} as const;

/** The original's `/health` says 2.0.0 where its app and root say 1.0.0 (D17): callers saw both. */
export const HEALTH_DOCUMENT = { status: 'healthy', service: 'l01-data-layer', version: '2.0.0' } as const;

export function registerRootRoutes(app: FastifyInstance): void {
  app.get('/', PUBLIC, async () => ROOT_DOCUMENT);
  // Static, as the original's: no dependency check (that is /health/ready).
  app.get('/health', PUBLIC, async () => HEALTH_DOCUMENT);
}
