CREATE TABLE "config_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"namespace" varchar(100) NOT NULL,
	"key" varchar(255) NOT NULL,
	"value" jsonb NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "config_entries_namespace_key_unique" UNIQUE("namespace","key")
);
--> statement-breakpoint
CREATE TABLE "dataset_examples" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"dataset_id" uuid NOT NULL,
	"training_example_id" uuid NOT NULL,
	"split" varchar(50) DEFAULT 'train' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dataset_examples_dataset_id_training_example_id_unique" UNIQUE("dataset_id","training_example_id"),
	CONSTRAINT "dataset_examples_split_check" CHECK ("split" IN ('train', 'validation', 'test'))
);
--> statement-breakpoint
CREATE TABLE "model_usage" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"request_id" varchar(255) NOT NULL,
	"model_id" uuid NOT NULL,
	"agent_id" uuid,
	"session_id" uuid,
	"tokens_in" integer NOT NULL,
	"tokens_out" integer DEFAULT 0 NOT NULL,
	"latency_ms" double precision,
	"cost_usd" double precision,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_usage_request_id_unique" UNIQUE("request_id"),
	CONSTRAINT "model_usage_tokens_in_range" CHECK ("tokens_in" BETWEEN 0 AND 2147483647),
	CONSTRAINT "model_usage_tokens_out_range" CHECK ("tokens_out" BETWEEN 0 AND 2147483647),
	CONSTRAINT "model_usage_latency_ms_range" CHECK ("latency_ms" BETWEEN 0 AND 10000000000),
	CONSTRAINT "model_usage_cost_usd_range" CHECK ("cost_usd" BETWEEN 0 AND 1000000000)
);
--> statement-breakpoint
CREATE TABLE "tool_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"tool_id" uuid NOT NULL,
	"agent_id" uuid,
	"session_id" uuid,
	"invocation_id" varchar(255) NOT NULL,
	"status" varchar(50) DEFAULT 'pending' NOT NULL,
	"input" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"output" jsonb,
	"error" text,
	"duration_ms" double precision,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tool_executions_invocation_id_unique" UNIQUE("invocation_id"),
	CONSTRAINT "tool_executions_status_check" CHECK ("status" IN ('pending', 'started', 'completed', 'failed', 'cancelled')),
	CONSTRAINT "tool_executions_duration_ms_range" CHECK ("duration_ms" BETWEEN 0 AND 10000000000)
);
--> statement-breakpoint
DROP INDEX "evaluations_agent_id_idx";--> statement-breakpoint
DROP INDEX "feedback_processed_idx";--> statement-breakpoint
DROP INDEX "metrics_name_idx";--> statement-breakpoint
ALTER TABLE "dataset_examples" ADD CONSTRAINT "dataset_examples_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "dataset_examples" ADD CONSTRAINT "dataset_examples_training_example_id_training_examples_id_fk" FOREIGN KEY ("training_example_id") REFERENCES "public"."training_examples"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "model_usage" ADD CONSTRAINT "model_usage_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "model_usage" ADD CONSTRAINT "model_usage_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "model_usage" ADD CONSTRAINT "model_usage_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD CONSTRAINT "tool_executions_tool_id_tools_id_fk" FOREIGN KEY ("tool_id") REFERENCES "public"."tools"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD CONSTRAINT "tool_executions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
ALTER TABLE "tool_executions" ADD CONSTRAINT "tool_executions_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE restrict ON UPDATE restrict;--> statement-breakpoint
CREATE INDEX "dataset_examples_dataset_id_split_idx" ON "dataset_examples" USING btree ("dataset_id","split");--> statement-breakpoint
CREATE INDEX "dataset_examples_training_example_id_idx" ON "dataset_examples" USING btree ("training_example_id");--> statement-breakpoint
CREATE INDEX "dataset_examples_split_idx" ON "dataset_examples" USING btree ("split");--> statement-breakpoint
CREATE INDEX "model_usage_model_id_created_at_idx" ON "model_usage" USING btree ("model_id","created_at");--> statement-breakpoint
CREATE INDEX "model_usage_agent_id_created_at_idx" ON "model_usage" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "model_usage_session_id_idx" ON "model_usage" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "tool_executions_tool_id_idx" ON "tool_executions" USING btree ("tool_id");--> statement-breakpoint
CREATE INDEX "tool_executions_agent_id_idx" ON "tool_executions" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "tool_executions_session_id_idx" ON "tool_executions" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "tool_executions_status_idx" ON "tool_executions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "evaluations_agent_id_metric_score_idx" ON "evaluations" USING btree ("agent_id","metric","score");--> statement-breakpoint
CREATE INDEX "feedback_processed_created_at_idx" ON "feedback" USING btree ("processed","created_at");--> statement-breakpoint
CREATE INDEX "metrics_name_recorded_at_idx" ON "metrics" USING btree ("name","recorded_at");