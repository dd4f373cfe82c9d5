#!/usr/bin/env bash
# The figures quoted in README "Scaling out". Needs jq; runs `npm run build` output (dist/).
# GET one agent and POST agents, 16 connections, 10 s each, against `node dist/supervisor.js` with N API processes.
cd /work/main
for N in 1 2; do
  psql -qh 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS l01_procs' postgres 2>/dev/null
  L01_API_PROCESSES=$N L01_PORT=18401 DATABASE_URL=postgres://postgres@127.0.0.1:5432/l01_procs L01_REDIS_PREFIX=l01procs: L01_CHANNEL_PREFIX=l01procs: L01_LEGACY_CHANNEL= L01_WORKER_METRICS_PORT=0 LOG_LEVEL=warn setsid node dist/supervisor.js > /tmp/procs-$N.log 2>&1 &
  P=$!
  for i in $(seq 1 60); do curl -sf localhost:18401/health/ready >/dev/null && break; sleep 1; done; sleep 2
  ID=$(curl -s -XPOST localhost:18401/api/agents -H 'Authorization: Bearer test_token_123' -H 'content-type: application/json' -d '{"name":"b","agent_type":"bench"}' | jq -r .id)
  G=$(npx autocannon -c 16 -d 10 -j -H 'Authorization=Bearer test_token_123' http://127.0.0.1:18401/api/agents/$ID 2>/dev/null | jq -c '{rps: .requests.average, p50: .latency.p50, p99: .latency.p99, non2xx}')
  W=$(npx autocannon -c 16 -d 10 -j -m POST -H 'Authorization=Bearer test_token_123' -H 'content-type=application/json' -b '{"name":"b","agent_type":"bench"}' http://127.0.0.1:18401/api/agents 2>/dev/null | jq -c '{rps: .requests.average, p50: .latency.p50, p99: .latency.p99, non2xx}')
  echo "L01_API_PROCESSES=$N GET /api/agents/{id}: $G  POST /api/agents: $W"
  kill -TERM -$P; sleep 4
done
