ALTER TABLE "datasets" DROP CONSTRAINT "datasets_name_unique";--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_status_check";--> statement-breakpoint
ALTER TABLE "alerts" DROP CONSTRAINT "alerts_severity_check";--> statement-breakpoint
ALTER TABLE "anomalies" DROP CONSTRAINT "anomalies_severity_check";--> statement-breakpoint
ALTER TABLE "anomalies" DROP CONSTRAINT "anomalies_status_check";--> statement-breakpoint
ALTER TABLE "authentication_events" DROP CONSTRAINT "authentication_events_method_check";--> statement-breakpoint
ALTER TABLE "control_operations" DROP CONSTRAINT "control_operations_status_check";--> statement-breakpoint
ALTER TABLE "feedback" DROP CONSTRAINT "feedback_feedback_type_check";--> statement-breakpoint
ALTER TABLE "goals" DROP CONSTRAINT "goals_status_check";--> statement-breakpoint
ALTER TABLE "plans" DROP CONSTRAINT "plans_status_check";--> statement-breakpoint
ALTER TABLE "saga_executions" DROP CONSTRAINT "saga_executions_status_check";--> statement-breakpoint
ALTER TABLE "saga_steps" DROP CONSTRAINT "saga_steps_status_check";--> statement-breakpoint
ALTER TABLE "service_registry_events" DROP CONSTRAINT "service_registry_events_action_check";--> statement-breakpoint
ALTER TABLE "service_registry_events" DROP CONSTRAINT "service_registry_events_health_check";--> statement-breakpoint
ALTER TABLE "sessions" DROP CONSTRAINT "sessions_status_check";--> statement-breakpoint
ALTER TABLE "tool_executions" DROP CONSTRAINT "tool_executions_status_check";--> statement-breakpoint
DROP INDEX "api_requests_request_id_idx";--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "title" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "api_requests" ALTER COLUMN "request_id" SET DATA TYPE varchar(255);--> statement-breakpoint
ALTER TABLE "compliance_results" ALTER COLUMN "policy" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "control_operations" ALTER COLUMN "target_type" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "dead_letters" ALTER COLUMN "entity_type" SET DATA TYPE varchar(120);--> statement-breakpoint
ALTER TABLE "dead_letters" ALTER COLUMN "event_type" SET DATA TYPE varchar(255);--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "event_type" SET DATA TYPE varchar(255);--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "entity_type" SET DATA TYPE varchar(120);--> statement-breakpoint
ALTER TABLE "feedback" ALTER COLUMN "feedback_type" SET DATA TYPE varchar(100);--> statement-breakpoint
ALTER TABLE "feedback" ALTER COLUMN "feedback_type" SET DEFAULT 'rating';--> statement-breakpoint
ALTER TABLE "goals" ALTER COLUMN "agent_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "entity_type" SET DATA TYPE varchar(120);--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "event_type" SET DATA TYPE varchar(255);--> statement-breakpoint
ALTER TABLE "plans" ALTER COLUMN "goal_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "quality_scores" ALTER COLUMN "target_type" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "quality_scores" ALTER COLUMN "target_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "quality_scores" ALTER COLUMN "dimension" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "rate_limit_events" ALTER COLUMN "bucket_key" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "rate_limit_events" ALTER COLUMN "window_ms" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "saga_steps" ALTER COLUMN "saga_execution_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "service_registry_events" ALTER COLUMN "instance_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "user_interactions" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "did" varchar(255);--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "resource_limits" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "alert_id" varchar(255);--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "alert_type" varchar(100);--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "metric" varchar(255);--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "channels" varchar(100)[];--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "delivery_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "delivered" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "last_attempt" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "agent_id" uuid;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "agent_did" varchar(255);--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "anomalies" ADD COLUMN "anomaly_id" varchar(255);--> statement-breakpoint
ALTER TABLE "anomalies" ADD COLUMN "deviation_percent" double precision;--> statement-breakpoint
ALTER TABLE "anomalies" ADD COLUMN "confidence" double precision;--> statement-breakpoint
ALTER TABLE "anomalies" ADD COLUMN "detected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "anomalies" ADD COLUMN "alert_sent" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "anomalies" ADD COLUMN "agent_did" varchar(255);--> statement-breakpoint
ALTER TABLE "anomalies" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "trace_id" varchar(255);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "span_id" varchar(255);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "authenticated" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "auth_method" varchar(50);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "rate_limit_tier" varchar(50);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "idempotency_key" varchar(255);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "idempotent_cache_hit" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "error_code" varchar(50);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "error_message" text;--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "client_ip" varchar(45);--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "user_agent" text;--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "headers" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "query_params" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "authentication_events" ADD COLUMN "event_id" varchar(255);--> statement-breakpoint
ALTER TABLE "authentication_events" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "authentication_events" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "circuit_breaker_events" ADD COLUMN "event_id" varchar(255);--> statement-breakpoint
ALTER TABLE "circuit_breaker_events" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "circuit_breaker_events" ADD COLUMN "circuit_name" varchar(255);--> statement-breakpoint
ALTER TABLE "circuit_breaker_events" ADD COLUMN "event_type" varchar(50);--> statement-breakpoint
ALTER TABLE "circuit_breaker_events" ADD COLUMN "success_count" integer;--> statement-breakpoint
ALTER TABLE "circuit_breaker_events" ADD COLUMN "failure_threshold" integer;--> statement-breakpoint
ALTER TABLE "circuit_breaker_events" ADD COLUMN "timeout_seconds" integer;--> statement-breakpoint
ALTER TABLE "compliance_results" ADD COLUMN "result_id" varchar(255);--> statement-breakpoint
ALTER TABLE "compliance_results" ADD COLUMN "execution_id" varchar(255);--> statement-breakpoint
ALTER TABLE "compliance_results" ADD COLUMN "agent_did" varchar(255);--> statement-breakpoint
ALTER TABLE "compliance_results" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "compliance_results" ADD COLUMN "constraints_checked" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "control_operations" ADD COLUMN "operation_id" varchar(255);--> statement-breakpoint
ALTER TABLE "control_operations" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "control_operations" ADD COLUMN "operation_type" varchar(100);--> statement-breakpoint
ALTER TABLE "control_operations" ADD COLUMN "target_agent_did" varchar(255);--> statement-breakpoint
ALTER TABLE "control_operations" ADD COLUMN "executed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "control_operations" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "dataset_version" varchar(50) DEFAULT '1.0.0' NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "tags" varchar(100)[];--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "split_ratios" jsonb DEFAULT '{"train":0.8,"validation":0.1,"test":0.1}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "lineage" jsonb DEFAULT '{"source_datasets":[],"extraction_jobs":[],"filter_configs":[],"transformations":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "statistics" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "created_by" varchar(255);--> statement-breakpoint
ALTER TABLE "evaluations" ADD COLUMN "task_id" uuid;--> statement-breakpoint
ALTER TABLE "evaluations" ADD COLUMN "feedback" text;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "goal_id" varchar(255);--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "agent_did" varchar(255);--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "goal_type" varchar(50) DEFAULT 'compound' NOT NULL;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "constraints_max_token_budget" integer;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "constraints_max_execution_time_sec" integer;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "constraints_max_parallelism" integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "constraints_deadline_unix_ms" bigint;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "constraints_require_approval" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "constraints_allowed_agent_types" varchar(100)[];--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "constraints_forbidden_tools" varchar(100)[];--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "constraints_cost_limit_usd" double precision;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "parent_goal_id" varchar(255);--> statement-breakpoint
ALTER TABLE "goals" ADD COLUMN "decomposition_strategy" varchar(50);--> statement-breakpoint
ALTER TABLE "metrics" ADD COLUMN "metric_type" varchar(50) DEFAULT 'gauge' NOT NULL;--> statement-breakpoint
ALTER TABLE "metrics" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "model_provider" varchar(100);--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "model_name" varchar(255);--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "model_ref" varchar(255);--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "agent_did" varchar(255);--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "session_ref" varchar(255);--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "cached_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "total_tokens" integer;--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "cached" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "cost_input_cents" double precision;--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "cost_output_cents" double precision;--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "cost_cached_cents" double precision;--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "finish_reason" varchar(50);--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "error_message" text;--> statement-breakpoint
ALTER TABLE "model_usage" ADD COLUMN "response_status" varchar(50) DEFAULT 'success' NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "plan_id" varchar(255);--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "goal_ref" varchar(255);--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "agent_id" uuid;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "dependency_graph" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "resource_budget" jsonb;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "validated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "execution_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "execution_completed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "signature" varchar(255);--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "decomposition_strategy" varchar(50) DEFAULT 'hybrid' NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "decomposition_latency_ms" double precision;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "cache_hit" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "llm_provider" varchar(100);--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "llm_model" varchar(255);--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "total_tokens_used" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "validation_time_ms" double precision;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "execution_time_ms" double precision;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "parallelism_achieved" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "tags" varchar(100)[];--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "completed_task_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "failed_task_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "quality_scores" ADD COLUMN "score_id" varchar(255);--> statement-breakpoint
ALTER TABLE "quality_scores" ADD COLUMN "agent_did" varchar(255);--> statement-breakpoint
ALTER TABLE "quality_scores" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "quality_scores" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "quality_scores" ADD COLUMN "assessment" varchar(50);--> statement-breakpoint
ALTER TABLE "quality_scores" ADD COLUMN "data_completeness" double precision DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "quality_scores" ADD COLUMN "cached" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "quality_scores" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "event_id" varchar(255);--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "rate_limit_tier" varchar(50);--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "endpoint" varchar(1000);--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "tokens_requested" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "tokens_remaining" integer;--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "window_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD COLUMN "window_end" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "saga_executions" ADD COLUMN "saga_id" varchar(255);--> statement-breakpoint
ALTER TABLE "saga_executions" ADD COLUMN "started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "saga_executions" ADD COLUMN "steps_total" integer;--> statement-breakpoint
ALTER TABLE "saga_executions" ADD COLUMN "steps_completed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "saga_executions" ADD COLUMN "steps_failed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "saga_executions" ADD COLUMN "current_step" varchar(255);--> statement-breakpoint
ALTER TABLE "saga_executions" ADD COLUMN "compensation_mode" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "saga_executions" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "saga_steps" ADD COLUMN "step_id" varchar(255);--> statement-breakpoint
ALTER TABLE "saga_steps" ADD COLUMN "saga_id" varchar(255);--> statement-breakpoint
ALTER TABLE "saga_steps" ADD COLUMN "service_id" varchar(255);--> statement-breakpoint
ALTER TABLE "saga_steps" ADD COLUMN "compensation_executed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "saga_steps" ADD COLUMN "compensation_result" jsonb;--> statement-breakpoint
ALTER TABLE "saga_steps" ADD COLUMN "retry_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "saga_steps" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "service_registry_events" ADD COLUMN "event_id" varchar(255);--> statement-breakpoint
ALTER TABLE "service_registry_events" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "service_registry_events" ADD COLUMN "layer" varchar(50);--> statement-breakpoint
ALTER TABLE "service_registry_events" ADD COLUMN "capabilities" varchar(100)[];--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "session_type" varchar(100) DEFAULT 'conversation' NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "checkpoint" jsonb;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "runtime_backend" varchar(50);--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "runtime_metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "tool_name" varchar(255);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "tool_version" varchar(50);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "agent_did" varchar(255);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "tenant_id" varchar(255);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "session_ref" varchar(255);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "parent_sandbox_id" varchar(255);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "error_code" varchar(100);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "error_details" jsonb;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "retryable" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "cpu_used_millicore_seconds" bigint;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "memory_peak_mb" integer;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "network_bytes_sent" bigint;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "network_bytes_received" bigint;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "documents_accessed" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "checkpoints_created" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "checkpoint_ref" varchar(255);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "async_mode" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "priority" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "idempotency_key" varchar(255);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "require_approval" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "cpu_millicore_limit" integer;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "memory_mb_limit" integer;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD COLUMN "timeout_seconds" integer;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "tool_type" varchar(50) DEFAULT 'function' NOT NULL;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "permissions" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "agent_id" uuid;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "execution_id" varchar(255);--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "task_ref" varchar(255);--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "source_trace_hash" varchar(255);--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "input_text" text;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "output_text" text;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "expected_actions" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "final_answer" text;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "confidence" double precision;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "labels" varchar(100)[];--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "task_type" varchar(100);--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "difficulty" double precision;--> statement-breakpoint
ALTER TABLE "training_examples" ADD COLUMN "extracted_by" varchar(255);--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "interaction_id" varchar(255);--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "timestamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "session_ref" varchar(255);--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "target_type" varchar(100);--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "target_id" varchar(255);--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "action" varchar(100);--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "parameters" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "result" varchar(50);--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "error_message" text;--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "client_ip" varchar(45);--> statement-breakpoint
ALTER TABLE "user_interactions" ADD COLUMN "user_agent" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "training_examples" ADD CONSTRAINT "training_examples_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
CREATE INDEX "alerts_alert_type_idx" ON "alerts" USING btree ("alert_type");--> statement-breakpoint
CREATE INDEX "alerts_delivered_idx" ON "alerts" USING btree ("delivered");--> statement-breakpoint
CREATE INDEX "alerts_agent_id_idx" ON "alerts" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "alerts_tenant_id_idx" ON "alerts" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "anomalies_tenant_id_idx" ON "anomalies" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "api_requests_timestamp_idx" ON "api_requests" USING btree ("timestamp");--> statement-breakpoint
CREATE INDEX "api_requests_tenant_id_idx" ON "api_requests" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_circuit_name_idx" ON "circuit_breaker_events" USING btree ("circuit_name");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_event_type_idx" ON "circuit_breaker_events" USING btree ("event_type");--> statement-breakpoint
CREATE INDEX "compliance_results_execution_id_idx" ON "compliance_results" USING btree ("execution_id");--> statement-breakpoint
CREATE INDEX "compliance_results_tenant_id_idx" ON "compliance_results" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "control_operations_requested_by_idx" ON "control_operations" USING btree ("requested_by");--> statement-breakpoint
CREATE INDEX "control_operations_operation_type_idx" ON "control_operations" USING btree ("operation_type");--> statement-breakpoint
CREATE INDEX "evaluations_task_id_idx" ON "evaluations" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "goals_agent_did_idx" ON "goals" USING btree ("agent_did");--> statement-breakpoint
CREATE INDEX "metrics_tenant_id_idx" ON "metrics" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "model_usage_model_provider_idx" ON "model_usage" USING btree ("model_provider");--> statement-breakpoint
CREATE INDEX "model_usage_agent_did_idx" ON "model_usage" USING btree ("agent_did");--> statement-breakpoint
CREATE INDEX "model_usage_tenant_id_idx" ON "model_usage" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "model_usage_session_ref_idx" ON "model_usage" USING btree ("session_ref");--> statement-breakpoint
CREATE INDEX "plans_goal_ref_idx" ON "plans" USING btree ("goal_ref");--> statement-breakpoint
CREATE INDEX "plans_agent_id_idx" ON "plans" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "quality_scores_tenant_id_idx" ON "quality_scores" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "quality_scores_assessment_idx" ON "quality_scores" USING btree ("assessment");--> statement-breakpoint
CREATE INDEX "saga_steps_saga_id_idx" ON "saga_steps" USING btree ("saga_id");--> statement-breakpoint
CREATE INDEX "service_registry_events_layer_idx" ON "service_registry_events" USING btree ("layer");--> statement-breakpoint
CREATE INDEX "tool_executions_tool_name_idx" ON "tool_executions" USING btree ("tool_name");--> statement-breakpoint
CREATE INDEX "tool_executions_tenant_id_idx" ON "tool_executions" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "tool_executions_session_ref_idx" ON "tool_executions" USING btree ("session_ref");--> statement-breakpoint
CREATE INDEX "training_examples_agent_id_idx" ON "training_examples" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "training_examples_execution_id_idx" ON "training_examples" USING btree ("execution_id");--> statement-breakpoint
CREATE INDEX "user_interactions_session_ref_idx" ON "user_interactions" USING btree ("session_ref");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_did_unique" UNIQUE("did");--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_alert_id_unique" UNIQUE("alert_id");--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_anomaly_id_unique" UNIQUE("anomaly_id");--> statement-breakpoint
ALTER TABLE "api_requests" ADD CONSTRAINT "api_requests_request_id_unique" UNIQUE("request_id");--> statement-breakpoint
ALTER TABLE "authentication_events" ADD CONSTRAINT "authentication_events_event_id_unique" UNIQUE("event_id");--> statement-breakpoint
ALTER TABLE "circuit_breaker_events" ADD CONSTRAINT "circuit_breaker_events_event_id_unique" UNIQUE("event_id");--> statement-breakpoint
ALTER TABLE "compliance_results" ADD CONSTRAINT "compliance_results_result_id_unique" UNIQUE("result_id");--> statement-breakpoint
ALTER TABLE "control_operations" ADD CONSTRAINT "control_operations_operation_id_unique" UNIQUE("operation_id");--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_name_dataset_version_unique" UNIQUE("name","dataset_version");--> statement-breakpoint
ALTER TABLE "goals" ADD CONSTRAINT "goals_goal_id_unique" UNIQUE("goal_id");--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_plan_id_unique" UNIQUE("plan_id");--> statement-breakpoint
ALTER TABLE "quality_scores" ADD CONSTRAINT "quality_scores_score_id_unique" UNIQUE("score_id");--> statement-breakpoint
ALTER TABLE "rate_limit_events" ADD CONSTRAINT "rate_limit_events_event_id_unique" UNIQUE("event_id");--> statement-breakpoint
ALTER TABLE "saga_executions" ADD CONSTRAINT "saga_executions_saga_id_unique" UNIQUE("saga_id");--> statement-breakpoint
ALTER TABLE "saga_steps" ADD CONSTRAINT "saga_steps_step_id_unique" UNIQUE("step_id");--> statement-breakpoint
ALTER TABLE "service_registry_events" ADD CONSTRAINT "service_registry_events_event_id_unique" UNIQUE("event_id");--> statement-breakpoint
ALTER TABLE "user_interactions" ADD CONSTRAINT "user_interactions_interaction_id_unique" UNIQUE("interaction_id");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_name_not_blank" CHECK (btrim("name") <> '');--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_status_check" CHECK ("status" IN ('created', 'active', 'idle', 'busy', 'inactive', 'paused', 'suspended', 'error', 'terminated'));--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_severity_check" CHECK ("severity" IN ('info', 'low', 'warning', 'medium', 'high', 'critical'));--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_severity_check" CHECK ("severity" IN ('info', 'low', 'warning', 'medium', 'high', 'critical'));--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_status_check" CHECK ("status" IN ('open', 'alerting', 'acknowledged', 'resolved'));--> statement-breakpoint
ALTER TABLE "authentication_events" ADD CONSTRAINT "authentication_events_method_check" CHECK ("method" IN ('api_key', 'jwt', 'oauth', 'oauth_jwt', 'mtls', 'session'));--> statement-breakpoint
ALTER TABLE "control_operations" ADD CONSTRAINT "control_operations_status_check" CHECK ("status" IN ('pending', 'executing', 'running', 'completed', 'failed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "goals" ADD CONSTRAINT "goals_status_check" CHECK ("status" IN ('pending', 'decomposing', 'ready', 'active', 'completed', 'failed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "model_usage" ADD CONSTRAINT "model_usage_cached_tokens_range" CHECK ("cached_tokens" BETWEEN 0 AND 2147483647);--> statement-breakpoint
ALTER TABLE "model_usage" ADD CONSTRAINT "model_usage_total_tokens_range" CHECK ("total_tokens" BETWEEN 0 AND 2147483647);--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_status_check" CHECK ("status" IN ('draft', 'pending', 'validated', 'active', 'executing', 'completed', 'failed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "saga_executions" ADD CONSTRAINT "saga_executions_status_check" CHECK ("status" IN ('pending', 'started', 'running', 'compensating', 'completed', 'failed', 'compensated', 'timeout'));--> statement-breakpoint
ALTER TABLE "saga_steps" ADD CONSTRAINT "saga_steps_status_check" CHECK ("status" IN ('pending', 'executing', 'running', 'completed', 'failed', 'compensating', 'compensated', 'skipped'));--> statement-breakpoint
ALTER TABLE "service_registry_events" ADD CONSTRAINT "service_registry_events_action_check" CHECK ("action" IN ('registered', 'deregistered', 'heartbeat', 'health_changed', 'health_change'));--> statement-breakpoint
ALTER TABLE "service_registry_events" ADD CONSTRAINT "service_registry_events_health_check" CHECK ("health" IN ('healthy', 'degraded', 'unhealthy', 'offline', 'unknown'));--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_runtime_backend_check" CHECK ("runtime_backend" IN ('local', 'kubernetes', 'unknown'));--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_status_check" CHECK ("status" IN ('active', 'idle', 'paused', 'ended', 'completed', 'crashed', 'expired'));--> statement-breakpoint
ALTER TABLE "tool_executions" ADD CONSTRAINT "tool_executions_priority_range" CHECK ("priority" BETWEEN 1 AND 10);--> statement-breakpoint
ALTER TABLE "tool_executions" ADD CONSTRAINT "tool_executions_status_check" CHECK ("status" IN ('pending', 'pending_approval', 'started', 'running', 'completed', 'success', 'failed', 'error', 'timeout', 'permission_denied', 'cancelled'));--> statement-breakpoint
ALTER TABLE "tools" ADD CONSTRAINT "tools_tool_type_check" CHECK ("tool_type" IN ('function', 'api', 'external'));--> statement-breakpoint
ALTER TABLE "training_examples" ADD CONSTRAINT "training_examples_confidence_range" CHECK ("confidence" BETWEEN 0 AND 1);--> statement-breakpoint
ALTER TABLE "training_examples" ADD CONSTRAINT "training_examples_difficulty_range" CHECK ("difficulty" BETWEEN 0 AND 1);