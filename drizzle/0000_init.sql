CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" varchar(255) NOT NULL,
	"agent_type" varchar(50) NOT NULL,
	"status" varchar(50) DEFAULT 'active' NOT NULL,
	"capabilities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"configuration" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agents_status_check" CHECK ("status" IN ('active', 'inactive', 'paused', 'error', 'terminated'))
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"anomaly_id" uuid,
	"title" varchar(255) NOT NULL,
	"message" text,
	"severity" varchar(50) NOT NULL,
	"status" varchar(50) DEFAULT 'firing' NOT NULL,
	"source" varchar(100),
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alerts_severity_check" CHECK ("severity" IN ('low', 'medium', 'high', 'critical')),
	CONSTRAINT "alerts_status_check" CHECK ("status" IN ('firing', 'acknowledged', 'resolved'))
);
--> statement-breakpoint
CREATE TABLE "anomalies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"agent_id" uuid,
	"metric_name" varchar(255),
	"severity" varchar(50) NOT NULL,
	"status" varchar(50) DEFAULT 'open' NOT NULL,
	"description" text,
	"expected_value" double precision,
	"observed_value" double precision,
	"score" double precision,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "anomalies_severity_check" CHECK ("severity" IN ('low', 'medium', 'high', 'critical')),
	CONSTRAINT "anomalies_status_check" CHECK ("status" IN ('open', 'acknowledged', 'resolved'))
);
--> statement-breakpoint
CREATE TABLE "api_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"request_id" varchar(100),
	"method" varchar(50) NOT NULL,
	"path" varchar(2048) NOT NULL,
	"status_code" integer,
	"duration_ms" double precision,
	"caller" varchar(255),
	"agent_id" uuid,
	"request_bytes" integer,
	"response_bytes" integer,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_requests_method_check" CHECK ("method" IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS')),
	CONSTRAINT "api_requests_status_code_range" CHECK ("status_code" BETWEEN 100 AND 599),
	CONSTRAINT "api_requests_request_bytes_range" CHECK ("request_bytes" BETWEEN 0 AND 2147483647),
	CONSTRAINT "api_requests_response_bytes_range" CHECK ("response_bytes" BETWEEN 0 AND 2147483647)
);
--> statement-breakpoint
CREATE TABLE "authentication_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"principal" varchar(255),
	"method" varchar(50) NOT NULL,
	"outcome" varchar(50) NOT NULL,
	"reason" text,
	"source_ip" varchar(45),
	"user_agent" varchar(1000),
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authentication_events_method_check" CHECK ("method" IN ('api_key', 'jwt', 'oauth', 'mtls', 'session')),
	CONSTRAINT "authentication_events_outcome_check" CHECK ("outcome" IN ('success', 'failure', 'revoked', 'expired'))
);
--> statement-breakpoint
CREATE TABLE "circuit_breaker_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"service_name" varchar(255) NOT NULL,
	"state" varchar(50) NOT NULL,
	"previous_state" varchar(50),
	"failure_count" integer DEFAULT 0 NOT NULL,
	"reason" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "circuit_breaker_events_state_check" CHECK ("state" IN ('closed', 'open', 'half_open')),
	CONSTRAINT "circuit_breaker_events_previous_state_check" CHECK ("previous_state" IN ('closed', 'open', 'half_open')),
	CONSTRAINT "circuit_breaker_events_failure_count_range" CHECK ("failure_count" BETWEEN 0 AND 2147483647)
);
--> statement-breakpoint
CREATE TABLE "compliance_results" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"agent_id" uuid,
	"policy" varchar(255) NOT NULL,
	"target_type" varchar(50),
	"target_id" uuid,
	"status" varchar(50) NOT NULL,
	"findings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "compliance_results_status_check" CHECK ("status" IN ('passed', 'failed', 'warning', 'error'))
);
--> statement-breakpoint
CREATE TABLE "control_operations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"operation" varchar(100) NOT NULL,
	"target_type" varchar(50) NOT NULL,
	"target_id" uuid,
	"requested_by" varchar(255),
	"status" varchar(50) DEFAULT 'pending' NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"result" jsonb,
	"error" text,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "control_operations_status_check" CHECK ("status" IN ('pending', 'running', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"domain" varchar(100),
	"status" varchar(50) DEFAULT 'draft' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "datasets_name_unique" UNIQUE("name"),
	CONSTRAINT "datasets_status_check" CHECK ("status" IN ('draft', 'ready', 'archived'))
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"title" varchar(500) NOT NULL,
	"content" text,
	"content_type" varchar(100) DEFAULT 'text/plain' NOT NULL,
	"source" varchar(255),
	"tags" varchar(100)[],
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"agent_id" uuid,
	"model_id" uuid,
	"dataset_id" uuid,
	"metric" varchar(100) NOT NULL,
	"score" double precision,
	"status" varchar(50) DEFAULT 'pending' NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evaluations_status_check" CHECK ("status" IN ('pending', 'running', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "events" (
	"position" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"transaction_id" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"event_type" varchar(100) NOT NULL,
	"entity_type" varchar(50) NOT NULL,
	"entity_id" uuid NOT NULL,
	"entity_version" integer NOT NULL,
	"payload" jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"agent_id" uuid,
	"session_id" uuid,
	"task_id" uuid,
	"feedback_type" varchar(50) DEFAULT 'rating' NOT NULL,
	"rating" integer,
	"comment" text,
	"processed" boolean DEFAULT false NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feedback_feedback_type_check" CHECK ("feedback_type" IN ('thumbs', 'rating', 'correction', 'comment')),
	CONSTRAINT "feedback_rating_range" CHECK ("rating" BETWEEN -1 AND 5)
);
--> statement-breakpoint
CREATE TABLE "goals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"agent_id" uuid NOT NULL,
	"description" text NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"status" varchar(50) DEFAULT 'pending' NOT NULL,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "goals_priority_range" CHECK ("priority" BETWEEN -1000 AND 1000),
	CONSTRAINT "goals_status_check" CHECK ("status" IN ('pending', 'active', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" varchar(255) NOT NULL,
	"value" double precision NOT NULL,
	"unit" varchar(50),
	"agent_id" uuid,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"recorded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" varchar(255) NOT NULL,
	"provider" varchar(100) NOT NULL,
	"model_type" varchar(50) DEFAULT 'llm' NOT NULL,
	"model_version" varchar(100),
	"status" varchar(50) DEFAULT 'available' NOT NULL,
	"context_window" integer,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"capabilities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "models_name_unique" UNIQUE("name"),
	CONSTRAINT "models_model_type_check" CHECK ("model_type" IN ('llm', 'embedding', 'classifier', 'reranker', 'other')),
	CONSTRAINT "models_status_check" CHECK ("status" IN ('available', 'deprecated', 'disabled')),
	CONSTRAINT "models_context_window_range" CHECK ("context_window" BETWEEN 0 AND 100000000)
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"transaction_id" "xid8" NOT NULL,
	"position" bigint NOT NULL,
	"event_id" uuid NOT NULL,
	"entity_type" varchar(50) NOT NULL,
	"event_type" varchar(100) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_transaction_id_position_pk" PRIMARY KEY("transaction_id","position")
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"goal_id" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"status" varchar(50) DEFAULT 'draft' NOT NULL,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "plans_status_check" CHECK ("status" IN ('draft', 'active', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "quality_scores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"target_type" varchar(50) NOT NULL,
	"target_id" uuid NOT NULL,
	"agent_id" uuid,
	"dimension" varchar(100) NOT NULL,
	"score" double precision NOT NULL,
	"scorer" varchar(100),
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rate_limit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"bucket_key" varchar(255) NOT NULL,
	"caller" varchar(255),
	"limit_value" integer NOT NULL,
	"window_ms" integer NOT NULL,
	"current_count" integer,
	"action" varchar(50) NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rate_limit_events_limit_value_range" CHECK ("limit_value" BETWEEN 0 AND 2147483647),
	CONSTRAINT "rate_limit_events_window_ms_range" CHECK ("window_ms" BETWEEN 1 AND 2147483647),
	CONSTRAINT "rate_limit_events_current_count_range" CHECK ("current_count" BETWEEN 0 AND 2147483647),
	CONSTRAINT "rate_limit_events_action_check" CHECK ("action" IN ('allowed', 'throttled', 'blocked'))
);
--> statement-breakpoint
CREATE TABLE "saga_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"saga_type" varchar(100) NOT NULL,
	"correlation_id" varchar(255),
	"status" varchar(50) DEFAULT 'started' NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "saga_executions_status_check" CHECK ("status" IN ('started', 'running', 'compensating', 'completed', 'failed', 'compensated'))
);
--> statement-breakpoint
CREATE TABLE "saga_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"saga_execution_id" uuid NOT NULL,
	"step_name" varchar(255) NOT NULL,
	"step_order" integer NOT NULL,
	"status" varchar(50) DEFAULT 'pending' NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error" text,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "saga_steps_step_order_range" CHECK ("step_order" BETWEEN 0 AND 100000),
	CONSTRAINT "saga_steps_status_check" CHECK ("status" IN ('pending', 'running', 'completed', 'failed', 'compensating', 'compensated', 'skipped'))
);
--> statement-breakpoint
CREATE TABLE "service_registry_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"service_name" varchar(255) NOT NULL,
	"instance_id" varchar(255) NOT NULL,
	"action" varchar(50) NOT NULL,
	"health" varchar(50) DEFAULT 'unknown' NOT NULL,
	"address" varchar(255),
	"port" integer,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_registry_events_action_check" CHECK ("action" IN ('registered', 'deregistered', 'heartbeat', 'health_changed')),
	CONSTRAINT "service_registry_events_health_check" CHECK ("health" IN ('healthy', 'degraded', 'unhealthy', 'unknown')),
	CONSTRAINT "service_registry_events_port_range" CHECK ("port" BETWEEN 1 AND 65535)
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"agent_id" uuid,
	"user_id" varchar(255),
	"status" varchar(50) DEFAULT 'active' NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sessions_status_check" CHECK ("status" IN ('active', 'idle', 'ended', 'expired'))
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"plan_id" uuid,
	"agent_id" uuid,
	"name" varchar(255) NOT NULL,
	"description" text,
	"status" varchar(50) DEFAULT 'pending' NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"input" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"output" jsonb,
	"error" text,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_status_check" CHECK ("status" IN ('pending', 'started', 'completed', 'failed', 'cancelled')),
	CONSTRAINT "tasks_priority_range" CHECK ("priority" BETWEEN -1000 AND 1000)
);
--> statement-breakpoint
CREATE TABLE "tools" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"category" varchar(100),
	"status" varchar(50) DEFAULT 'active' NOT NULL,
	"input_schema" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"output_schema" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tools_name_unique" UNIQUE("name"),
	CONSTRAINT "tools_status_check" CHECK ("status" IN ('active', 'deprecated', 'disabled'))
);
--> statement-breakpoint
CREATE TABLE "training_examples" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"dataset_id" uuid,
	"input" jsonb NOT NULL,
	"expected_output" jsonb,
	"source" varchar(100),
	"domain" varchar(100),
	"quality_score" double precision,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "training_examples_quality_score_range" CHECK ("quality_score" BETWEEN 0 AND 1)
);
--> statement-breakpoint
CREATE TABLE "user_interactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"user_id" varchar(255) NOT NULL,
	"session_id" uuid,
	"agent_id" uuid,
	"interaction_type" varchar(100) NOT NULL,
	"content" text,
	"response" text,
	"latency_ms" double precision,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_anomaly_id_anomalies_id_fk" FOREIGN KEY ("anomaly_id") REFERENCES "public"."anomalies"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "api_requests" ADD CONSTRAINT "api_requests_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "compliance_results" ADD CONSTRAINT "compliance_results_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "goals" ADD CONSTRAINT "goals_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "metrics" ADD CONSTRAINT "metrics_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "plans" ADD CONSTRAINT "plans_goal_id_goals_id_fk" FOREIGN KEY ("goal_id") REFERENCES "public"."goals"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "quality_scores" ADD CONSTRAINT "quality_scores_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "saga_steps" ADD CONSTRAINT "saga_steps_saga_execution_id_saga_executions_id_fk" FOREIGN KEY ("saga_execution_id") REFERENCES "public"."saga_executions"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "training_examples" ADD CONSTRAINT "training_examples_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "user_interactions" ADD CONSTRAINT "user_interactions_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "user_interactions" ADD CONSTRAINT "user_interactions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
CREATE INDEX "agents_agent_type_idx" ON "agents" USING btree ("agent_type");--> statement-breakpoint
CREATE INDEX "agents_status_idx" ON "agents" USING btree ("status");--> statement-breakpoint
CREATE INDEX "alerts_anomaly_id_idx" ON "alerts" USING btree ("anomaly_id");--> statement-breakpoint
CREATE INDEX "alerts_severity_idx" ON "alerts" USING btree ("severity");--> statement-breakpoint
CREATE INDEX "alerts_status_idx" ON "alerts" USING btree ("status");--> statement-breakpoint
CREATE INDEX "alerts_source_idx" ON "alerts" USING btree ("source");--> statement-breakpoint
CREATE INDEX "anomalies_agent_id_idx" ON "anomalies" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "anomalies_metric_name_idx" ON "anomalies" USING btree ("metric_name");--> statement-breakpoint
CREATE INDEX "anomalies_severity_idx" ON "anomalies" USING btree ("severity");--> statement-breakpoint
CREATE INDEX "anomalies_status_idx" ON "anomalies" USING btree ("status");--> statement-breakpoint
CREATE INDEX "api_requests_request_id_idx" ON "api_requests" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "api_requests_status_code_idx" ON "api_requests" USING btree ("status_code");--> statement-breakpoint
CREATE INDEX "api_requests_caller_idx" ON "api_requests" USING btree ("caller");--> statement-breakpoint
CREATE INDEX "api_requests_agent_id_idx" ON "api_requests" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "authentication_events_principal_idx" ON "authentication_events" USING btree ("principal");--> statement-breakpoint
CREATE INDEX "authentication_events_outcome_idx" ON "authentication_events" USING btree ("outcome");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_service_name_idx" ON "circuit_breaker_events" USING btree ("service_name");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_state_idx" ON "circuit_breaker_events" USING btree ("state");--> statement-breakpoint
CREATE INDEX "compliance_results_agent_id_idx" ON "compliance_results" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "compliance_results_policy_idx" ON "compliance_results" USING btree ("policy");--> statement-breakpoint
CREATE INDEX "compliance_results_target_type_idx" ON "compliance_results" USING btree ("target_type");--> statement-breakpoint
CREATE INDEX "compliance_results_target_id_idx" ON "compliance_results" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "compliance_results_status_idx" ON "compliance_results" USING btree ("status");--> statement-breakpoint
CREATE INDEX "control_operations_operation_idx" ON "control_operations" USING btree ("operation");--> statement-breakpoint
CREATE INDEX "control_operations_target_type_idx" ON "control_operations" USING btree ("target_type");--> statement-breakpoint
CREATE INDEX "control_operations_target_id_idx" ON "control_operations" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "control_operations_status_idx" ON "control_operations" USING btree ("status");--> statement-breakpoint
CREATE INDEX "datasets_domain_idx" ON "datasets" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "datasets_status_idx" ON "datasets" USING btree ("status");--> statement-breakpoint
CREATE INDEX "documents_source_idx" ON "documents" USING btree ("source");--> statement-breakpoint
CREATE INDEX "evaluations_agent_id_idx" ON "evaluations" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "evaluations_model_id_idx" ON "evaluations" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "evaluations_dataset_id_idx" ON "evaluations" USING btree ("dataset_id");--> statement-breakpoint
CREATE INDEX "evaluations_metric_idx" ON "evaluations" USING btree ("metric");--> statement-breakpoint
CREATE INDEX "evaluations_status_idx" ON "evaluations" USING btree ("status");--> statement-breakpoint
CREATE INDEX "events_log_order_idx" ON "events" USING btree ("transaction_id","position");--> statement-breakpoint
CREATE INDEX "events_entity_idx" ON "events" USING btree ("entity_type","entity_id","position");--> statement-breakpoint
CREATE INDEX "events_type_idx" ON "events" USING btree ("event_type","position");--> statement-breakpoint
CREATE INDEX "feedback_agent_id_idx" ON "feedback" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "feedback_session_id_idx" ON "feedback" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "feedback_task_id_idx" ON "feedback" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "feedback_feedback_type_idx" ON "feedback" USING btree ("feedback_type");--> statement-breakpoint
CREATE INDEX "feedback_processed_idx" ON "feedback" USING btree ("processed");--> statement-breakpoint
CREATE INDEX "goals_agent_id_idx" ON "goals" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "goals_priority_idx" ON "goals" USING btree ("priority");--> statement-breakpoint
CREATE INDEX "goals_status_idx" ON "goals" USING btree ("status");--> statement-breakpoint
CREATE INDEX "metrics_name_idx" ON "metrics" USING btree ("name");--> statement-breakpoint
CREATE INDEX "metrics_agent_id_idx" ON "metrics" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "metrics_recorded_at_idx" ON "metrics" USING btree ("recorded_at");--> statement-breakpoint
CREATE INDEX "models_provider_idx" ON "models" USING btree ("provider");--> statement-breakpoint
CREATE INDEX "models_model_type_idx" ON "models" USING btree ("model_type");--> statement-breakpoint
CREATE INDEX "models_status_idx" ON "models" USING btree ("status");--> statement-breakpoint
CREATE INDEX "plans_goal_id_idx" ON "plans" USING btree ("goal_id");--> statement-breakpoint
CREATE INDEX "plans_status_idx" ON "plans" USING btree ("status");--> statement-breakpoint
CREATE INDEX "quality_scores_target_type_idx" ON "quality_scores" USING btree ("target_type");--> statement-breakpoint
CREATE INDEX "quality_scores_target_id_idx" ON "quality_scores" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "quality_scores_agent_id_idx" ON "quality_scores" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "quality_scores_dimension_idx" ON "quality_scores" USING btree ("dimension");--> statement-breakpoint
CREATE INDEX "rate_limit_events_bucket_key_idx" ON "rate_limit_events" USING btree ("bucket_key");--> statement-breakpoint
CREATE INDEX "rate_limit_events_caller_idx" ON "rate_limit_events" USING btree ("caller");--> statement-breakpoint
CREATE INDEX "rate_limit_events_action_idx" ON "rate_limit_events" USING btree ("action");--> statement-breakpoint
CREATE INDEX "saga_executions_saga_type_idx" ON "saga_executions" USING btree ("saga_type");--> statement-breakpoint
CREATE INDEX "saga_executions_correlation_id_idx" ON "saga_executions" USING btree ("correlation_id");--> statement-breakpoint
CREATE INDEX "saga_executions_status_idx" ON "saga_executions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "saga_steps_saga_execution_id_idx" ON "saga_steps" USING btree ("saga_execution_id");--> statement-breakpoint
CREATE INDEX "saga_steps_status_idx" ON "saga_steps" USING btree ("status");--> statement-breakpoint
CREATE INDEX "service_registry_events_service_name_idx" ON "service_registry_events" USING btree ("service_name");--> statement-breakpoint
CREATE INDEX "service_registry_events_instance_id_idx" ON "service_registry_events" USING btree ("instance_id");--> statement-breakpoint
CREATE INDEX "service_registry_events_action_idx" ON "service_registry_events" USING btree ("action");--> statement-breakpoint
CREATE INDEX "sessions_agent_id_idx" ON "sessions" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "sessions_user_id_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "sessions_status_idx" ON "sessions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "tasks_plan_id_idx" ON "tasks" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "tasks_agent_id_idx" ON "tasks" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "tasks_status_idx" ON "tasks" USING btree ("status");--> statement-breakpoint
CREATE INDEX "tools_category_idx" ON "tools" USING btree ("category");--> statement-breakpoint
CREATE INDEX "tools_status_idx" ON "tools" USING btree ("status");--> statement-breakpoint
CREATE INDEX "training_examples_dataset_id_idx" ON "training_examples" USING btree ("dataset_id");--> statement-breakpoint
CREATE INDEX "training_examples_source_idx" ON "training_examples" USING btree ("source");--> statement-breakpoint
CREATE INDEX "training_examples_domain_idx" ON "training_examples" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "user_interactions_user_id_idx" ON "user_interactions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "user_interactions_session_id_idx" ON "user_interactions" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "user_interactions_agent_id_idx" ON "user_interactions" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "user_interactions_interaction_type_idx" ON "user_interactions" USING btree ("interaction_type");