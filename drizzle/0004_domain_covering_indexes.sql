DROP INDEX "metrics_name_recorded_at_idx";--> statement-breakpoint
DROP INDEX "training_examples_source_idx";--> statement-breakpoint
CREATE INDEX "metrics_name_recorded_at_created_at_value_idx" ON "metrics" USING btree ("name","recorded_at","created_at","value");--> statement-breakpoint
CREATE INDEX "training_examples_source_domain_quality_score_idx" ON "training_examples" USING btree ("source","domain","quality_score");