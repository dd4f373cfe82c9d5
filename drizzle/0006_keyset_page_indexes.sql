DROP INDEX "feedback_processed_created_at_idx";--> statement-breakpoint
DROP INDEX "model_usage_model_id_created_at_idx";--> statement-breakpoint
DROP INDEX "model_usage_agent_id_created_at_idx";--> statement-breakpoint
DROP INDEX "agents_agent_type_idx";--> statement-breakpoint
DROP INDEX "agents_status_idx";--> statement-breakpoint
DROP INDEX "alerts_anomaly_id_idx";--> statement-breakpoint
DROP INDEX "alerts_severity_idx";--> statement-breakpoint
DROP INDEX "alerts_status_idx";--> statement-breakpoint
DROP INDEX "alerts_source_idx";--> statement-breakpoint
DROP INDEX "alerts_alert_type_idx";--> statement-breakpoint
DROP INDEX "alerts_delivered_idx";--> statement-breakpoint
DROP INDEX "alerts_agent_id_idx";--> statement-breakpoint
DROP INDEX "alerts_tenant_id_idx";--> statement-breakpoint
DROP INDEX "anomalies_agent_id_idx";--> statement-breakpoint
DROP INDEX "anomalies_metric_name_idx";--> statement-breakpoint
DROP INDEX "anomalies_severity_idx";--> statement-breakpoint
DROP INDEX "anomalies_status_idx";--> statement-breakpoint
DROP INDEX "anomalies_tenant_id_idx";--> statement-breakpoint
DROP INDEX "api_requests_status_code_idx";--> statement-breakpoint
DROP INDEX "api_requests_caller_idx";--> statement-breakpoint
DROP INDEX "api_requests_agent_id_idx";--> statement-breakpoint
DROP INDEX "api_requests_timestamp_idx";--> statement-breakpoint
DROP INDEX "api_requests_tenant_id_idx";--> statement-breakpoint
DROP INDEX "authentication_events_principal_idx";--> statement-breakpoint
DROP INDEX "authentication_events_outcome_idx";--> statement-breakpoint
DROP INDEX "circuit_breaker_events_service_name_idx";--> statement-breakpoint
DROP INDEX "circuit_breaker_events_state_idx";--> statement-breakpoint
DROP INDEX "circuit_breaker_events_circuit_name_idx";--> statement-breakpoint
DROP INDEX "circuit_breaker_events_event_type_idx";--> statement-breakpoint
DROP INDEX "compliance_results_agent_id_idx";--> statement-breakpoint
DROP INDEX "compliance_results_policy_idx";--> statement-breakpoint
DROP INDEX "compliance_results_target_type_idx";--> statement-breakpoint
DROP INDEX "compliance_results_target_id_idx";--> statement-breakpoint
DROP INDEX "compliance_results_status_idx";--> statement-breakpoint
DROP INDEX "compliance_results_execution_id_idx";--> statement-breakpoint
DROP INDEX "compliance_results_tenant_id_idx";--> statement-breakpoint
DROP INDEX "control_operations_operation_idx";--> statement-breakpoint
DROP INDEX "control_operations_target_type_idx";--> statement-breakpoint
DROP INDEX "control_operations_target_id_idx";--> statement-breakpoint
DROP INDEX "control_operations_requested_by_idx";--> statement-breakpoint
DROP INDEX "control_operations_status_idx";--> statement-breakpoint
DROP INDEX "control_operations_operation_type_idx";--> statement-breakpoint
DROP INDEX "dataset_examples_training_example_id_idx";--> statement-breakpoint
DROP INDEX "dataset_examples_split_idx";--> statement-breakpoint
DROP INDEX "datasets_domain_idx";--> statement-breakpoint
DROP INDEX "datasets_status_idx";--> statement-breakpoint
DROP INDEX "documents_source_idx";--> statement-breakpoint
DROP INDEX "evaluations_model_id_idx";--> statement-breakpoint
DROP INDEX "evaluations_dataset_id_idx";--> statement-breakpoint
DROP INDEX "evaluations_metric_idx";--> statement-breakpoint
DROP INDEX "evaluations_status_idx";--> statement-breakpoint
DROP INDEX "evaluations_task_id_idx";--> statement-breakpoint
DROP INDEX "feedback_agent_id_idx";--> statement-breakpoint
DROP INDEX "feedback_session_id_idx";--> statement-breakpoint
DROP INDEX "feedback_task_id_idx";--> statement-breakpoint
DROP INDEX "feedback_feedback_type_idx";--> statement-breakpoint
DROP INDEX "goals_agent_id_idx";--> statement-breakpoint
DROP INDEX "goals_priority_idx";--> statement-breakpoint
DROP INDEX "goals_status_idx";--> statement-breakpoint
DROP INDEX "goals_agent_did_idx";--> statement-breakpoint
DROP INDEX "metrics_agent_id_idx";--> statement-breakpoint
DROP INDEX "metrics_recorded_at_idx";--> statement-breakpoint
DROP INDEX "metrics_tenant_id_idx";--> statement-breakpoint
DROP INDEX "model_usage_session_id_idx";--> statement-breakpoint
DROP INDEX "model_usage_model_provider_idx";--> statement-breakpoint
DROP INDEX "model_usage_agent_did_idx";--> statement-breakpoint
DROP INDEX "model_usage_tenant_id_idx";--> statement-breakpoint
DROP INDEX "model_usage_session_ref_idx";--> statement-breakpoint
DROP INDEX "models_provider_idx";--> statement-breakpoint
DROP INDEX "models_model_type_idx";--> statement-breakpoint
DROP INDEX "models_status_idx";--> statement-breakpoint
DROP INDEX "plans_goal_id_idx";--> statement-breakpoint
DROP INDEX "plans_status_idx";--> statement-breakpoint
DROP INDEX "plans_goal_ref_idx";--> statement-breakpoint
DROP INDEX "plans_agent_id_idx";--> statement-breakpoint
DROP INDEX "quality_scores_target_type_idx";--> statement-breakpoint
DROP INDEX "quality_scores_target_id_idx";--> statement-breakpoint
DROP INDEX "quality_scores_agent_id_idx";--> statement-breakpoint
DROP INDEX "quality_scores_dimension_idx";--> statement-breakpoint
DROP INDEX "quality_scores_tenant_id_idx";--> statement-breakpoint
DROP INDEX "quality_scores_assessment_idx";--> statement-breakpoint
DROP INDEX "rate_limit_events_bucket_key_idx";--> statement-breakpoint
DROP INDEX "rate_limit_events_caller_idx";--> statement-breakpoint
DROP INDEX "rate_limit_events_action_idx";--> statement-breakpoint
DROP INDEX "saga_executions_saga_type_idx";--> statement-breakpoint
DROP INDEX "saga_executions_correlation_id_idx";--> statement-breakpoint
DROP INDEX "saga_executions_status_idx";--> statement-breakpoint
DROP INDEX "saga_steps_saga_execution_id_idx";--> statement-breakpoint
DROP INDEX "saga_steps_status_idx";--> statement-breakpoint
DROP INDEX "saga_steps_saga_id_idx";--> statement-breakpoint
DROP INDEX "service_registry_events_service_name_idx";--> statement-breakpoint
DROP INDEX "service_registry_events_instance_id_idx";--> statement-breakpoint
DROP INDEX "service_registry_events_action_idx";--> statement-breakpoint
DROP INDEX "service_registry_events_layer_idx";--> statement-breakpoint
DROP INDEX "sessions_agent_id_idx";--> statement-breakpoint
DROP INDEX "sessions_user_id_idx";--> statement-breakpoint
DROP INDEX "sessions_status_idx";--> statement-breakpoint
DROP INDEX "tasks_plan_id_idx";--> statement-breakpoint
DROP INDEX "tasks_agent_id_idx";--> statement-breakpoint
DROP INDEX "tasks_status_idx";--> statement-breakpoint
DROP INDEX "tool_executions_tool_id_idx";--> statement-breakpoint
DROP INDEX "tool_executions_agent_id_idx";--> statement-breakpoint
DROP INDEX "tool_executions_session_id_idx";--> statement-breakpoint
DROP INDEX "tool_executions_status_idx";--> statement-breakpoint
DROP INDEX "tool_executions_tool_name_idx";--> statement-breakpoint
DROP INDEX "tool_executions_tenant_id_idx";--> statement-breakpoint
DROP INDEX "tool_executions_session_ref_idx";--> statement-breakpoint
DROP INDEX "tools_category_idx";--> statement-breakpoint
DROP INDEX "tools_status_idx";--> statement-breakpoint
DROP INDEX "training_examples_dataset_id_idx";--> statement-breakpoint
DROP INDEX "training_examples_domain_idx";--> statement-breakpoint
DROP INDEX "training_examples_agent_id_idx";--> statement-breakpoint
DROP INDEX "training_examples_execution_id_idx";--> statement-breakpoint
DROP INDEX "user_interactions_user_id_idx";--> statement-breakpoint
DROP INDEX "user_interactions_session_id_idx";--> statement-breakpoint
DROP INDEX "user_interactions_agent_id_idx";--> statement-breakpoint
DROP INDEX "user_interactions_interaction_type_idx";--> statement-breakpoint
DROP INDEX "user_interactions_session_ref_idx";--> statement-breakpoint
CREATE INDEX "agents_created_at_id_idx" ON "agents" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_created_at_id_idx" ON "alerts" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "anomalies_created_at_id_idx" ON "anomalies" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "api_requests_created_at_id_idx" ON "api_requests" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "authentication_events_created_at_id_idx" ON "authentication_events" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_created_at_id_idx" ON "circuit_breaker_events" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "compliance_results_created_at_id_idx" ON "compliance_results" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "config_entries_created_at_id_idx" ON "config_entries" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "config_entries_namespace_idx" ON "config_entries" USING btree ("namespace","created_at","id");--> statement-breakpoint
CREATE INDEX "control_operations_created_at_id_idx" ON "control_operations" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "dataset_examples_created_at_id_idx" ON "dataset_examples" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "dataset_examples_dataset_id_idx" ON "dataset_examples" USING btree ("dataset_id","created_at","id");--> statement-breakpoint
CREATE INDEX "datasets_created_at_id_idx" ON "datasets" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "documents_created_at_id_idx" ON "documents" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "evaluations_created_at_id_idx" ON "evaluations" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "evaluations_agent_id_idx" ON "evaluations" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "feedback_processed_created_at_id_idx" ON "feedback" USING btree ("processed","created_at","id");--> statement-breakpoint
CREATE INDEX "feedback_created_at_id_idx" ON "feedback" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "goals_created_at_id_idx" ON "goals" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "metrics_created_at_id_idx" ON "metrics" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "metrics_name_idx" ON "metrics" USING btree ("name","created_at","id");--> statement-breakpoint
CREATE INDEX "model_usage_model_id_created_at_id_idx" ON "model_usage" USING btree ("model_id","created_at","id");--> statement-breakpoint
CREATE INDEX "model_usage_agent_id_created_at_id_idx" ON "model_usage" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "model_usage_created_at_id_idx" ON "model_usage" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "models_created_at_id_idx" ON "models" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "plans_created_at_id_idx" ON "plans" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "quality_scores_created_at_id_idx" ON "quality_scores" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "rate_limit_events_created_at_id_idx" ON "rate_limit_events" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "saga_executions_created_at_id_idx" ON "saga_executions" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "saga_steps_created_at_id_idx" ON "saga_steps" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "service_registry_events_created_at_id_idx" ON "service_registry_events" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "sessions_created_at_id_idx" ON "sessions" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_created_at_id_idx" ON "tasks" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "tool_executions_created_at_id_idx" ON "tool_executions" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "tools_created_at_id_idx" ON "tools" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "training_examples_created_at_id_idx" ON "training_examples" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "training_examples_source_idx" ON "training_examples" USING btree ("source","created_at","id");--> statement-breakpoint
CREATE INDEX "user_interactions_created_at_id_idx" ON "user_interactions" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "agents_agent_type_idx" ON "agents" USING btree ("agent_type","created_at","id");--> statement-breakpoint
CREATE INDEX "agents_status_idx" ON "agents" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_anomaly_id_idx" ON "alerts" USING btree ("anomaly_id","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_severity_idx" ON "alerts" USING btree ("severity","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_status_idx" ON "alerts" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_source_idx" ON "alerts" USING btree ("source","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_alert_type_idx" ON "alerts" USING btree ("alert_type","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_delivered_idx" ON "alerts" USING btree ("delivered","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_agent_id_idx" ON "alerts" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_tenant_id_idx" ON "alerts" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "anomalies_agent_id_idx" ON "anomalies" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "anomalies_metric_name_idx" ON "anomalies" USING btree ("metric_name","created_at","id");--> statement-breakpoint
CREATE INDEX "anomalies_severity_idx" ON "anomalies" USING btree ("severity","created_at","id");--> statement-breakpoint
CREATE INDEX "anomalies_status_idx" ON "anomalies" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "anomalies_tenant_id_idx" ON "anomalies" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "api_requests_status_code_idx" ON "api_requests" USING btree ("status_code","created_at","id");--> statement-breakpoint
CREATE INDEX "api_requests_caller_idx" ON "api_requests" USING btree ("caller","created_at","id");--> statement-breakpoint
CREATE INDEX "api_requests_agent_id_idx" ON "api_requests" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "api_requests_timestamp_idx" ON "api_requests" USING btree ("timestamp","created_at","id");--> statement-breakpoint
CREATE INDEX "api_requests_tenant_id_idx" ON "api_requests" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "authentication_events_principal_idx" ON "authentication_events" USING btree ("principal","created_at","id");--> statement-breakpoint
CREATE INDEX "authentication_events_outcome_idx" ON "authentication_events" USING btree ("outcome","created_at","id");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_service_name_idx" ON "circuit_breaker_events" USING btree ("service_name","created_at","id");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_state_idx" ON "circuit_breaker_events" USING btree ("state","created_at","id");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_circuit_name_idx" ON "circuit_breaker_events" USING btree ("circuit_name","created_at","id");--> statement-breakpoint
CREATE INDEX "circuit_breaker_events_event_type_idx" ON "circuit_breaker_events" USING btree ("event_type","created_at","id");--> statement-breakpoint
CREATE INDEX "compliance_results_agent_id_idx" ON "compliance_results" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "compliance_results_policy_idx" ON "compliance_results" USING btree ("policy","created_at","id");--> statement-breakpoint
CREATE INDEX "compliance_results_target_type_idx" ON "compliance_results" USING btree ("target_type","created_at","id");--> statement-breakpoint
CREATE INDEX "compliance_results_target_id_idx" ON "compliance_results" USING btree ("target_id","created_at","id");--> statement-breakpoint
CREATE INDEX "compliance_results_status_idx" ON "compliance_results" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "compliance_results_execution_id_idx" ON "compliance_results" USING btree ("execution_id","created_at","id");--> statement-breakpoint
CREATE INDEX "compliance_results_tenant_id_idx" ON "compliance_results" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "control_operations_operation_idx" ON "control_operations" USING btree ("operation","created_at","id");--> statement-breakpoint
CREATE INDEX "control_operations_target_type_idx" ON "control_operations" USING btree ("target_type","created_at","id");--> statement-breakpoint
CREATE INDEX "control_operations_target_id_idx" ON "control_operations" USING btree ("target_id","created_at","id");--> statement-breakpoint
CREATE INDEX "control_operations_requested_by_idx" ON "control_operations" USING btree ("requested_by","created_at","id");--> statement-breakpoint
CREATE INDEX "control_operations_status_idx" ON "control_operations" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "control_operations_operation_type_idx" ON "control_operations" USING btree ("operation_type","created_at","id");--> statement-breakpoint
CREATE INDEX "dataset_examples_training_example_id_idx" ON "dataset_examples" USING btree ("training_example_id","created_at","id");--> statement-breakpoint
CREATE INDEX "dataset_examples_split_idx" ON "dataset_examples" USING btree ("split","created_at","id");--> statement-breakpoint
CREATE INDEX "datasets_domain_idx" ON "datasets" USING btree ("domain","created_at","id");--> statement-breakpoint
CREATE INDEX "datasets_status_idx" ON "datasets" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "documents_source_idx" ON "documents" USING btree ("source","created_at","id");--> statement-breakpoint
CREATE INDEX "evaluations_model_id_idx" ON "evaluations" USING btree ("model_id","created_at","id");--> statement-breakpoint
CREATE INDEX "evaluations_dataset_id_idx" ON "evaluations" USING btree ("dataset_id","created_at","id");--> statement-breakpoint
CREATE INDEX "evaluations_metric_idx" ON "evaluations" USING btree ("metric","created_at","id");--> statement-breakpoint
CREATE INDEX "evaluations_status_idx" ON "evaluations" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "evaluations_task_id_idx" ON "evaluations" USING btree ("task_id","created_at","id");--> statement-breakpoint
CREATE INDEX "feedback_agent_id_idx" ON "feedback" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "feedback_session_id_idx" ON "feedback" USING btree ("session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "feedback_task_id_idx" ON "feedback" USING btree ("task_id","created_at","id");--> statement-breakpoint
CREATE INDEX "feedback_feedback_type_idx" ON "feedback" USING btree ("feedback_type","created_at","id");--> statement-breakpoint
CREATE INDEX "goals_agent_id_idx" ON "goals" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "goals_priority_idx" ON "goals" USING btree ("priority","created_at","id");--> statement-breakpoint
CREATE INDEX "goals_status_idx" ON "goals" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "goals_agent_did_idx" ON "goals" USING btree ("agent_did","created_at","id");--> statement-breakpoint
CREATE INDEX "metrics_agent_id_idx" ON "metrics" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "metrics_recorded_at_idx" ON "metrics" USING btree ("recorded_at","created_at","id");--> statement-breakpoint
CREATE INDEX "metrics_tenant_id_idx" ON "metrics" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "model_usage_session_id_idx" ON "model_usage" USING btree ("session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "model_usage_model_provider_idx" ON "model_usage" USING btree ("model_provider","created_at","id");--> statement-breakpoint
CREATE INDEX "model_usage_agent_did_idx" ON "model_usage" USING btree ("agent_did","created_at","id");--> statement-breakpoint
CREATE INDEX "model_usage_tenant_id_idx" ON "model_usage" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "model_usage_session_ref_idx" ON "model_usage" USING btree ("session_ref","created_at","id");--> statement-breakpoint
CREATE INDEX "models_provider_idx" ON "models" USING btree ("provider","created_at","id");--> statement-breakpoint
CREATE INDEX "models_model_type_idx" ON "models" USING btree ("model_type","created_at","id");--> statement-breakpoint
CREATE INDEX "models_status_idx" ON "models" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "plans_goal_id_idx" ON "plans" USING btree ("goal_id","created_at","id");--> statement-breakpoint
CREATE INDEX "plans_status_idx" ON "plans" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "plans_goal_ref_idx" ON "plans" USING btree ("goal_ref","created_at","id");--> statement-breakpoint
CREATE INDEX "plans_agent_id_idx" ON "plans" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "quality_scores_target_type_idx" ON "quality_scores" USING btree ("target_type","created_at","id");--> statement-breakpoint
CREATE INDEX "quality_scores_target_id_idx" ON "quality_scores" USING btree ("target_id","created_at","id");--> statement-breakpoint
CREATE INDEX "quality_scores_agent_id_idx" ON "quality_scores" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "quality_scores_dimension_idx" ON "quality_scores" USING btree ("dimension","created_at","id");--> statement-breakpoint
CREATE INDEX "quality_scores_tenant_id_idx" ON "quality_scores" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "quality_scores_assessment_idx" ON "quality_scores" USING btree ("assessment","created_at","id");--> statement-breakpoint
CREATE INDEX "rate_limit_events_bucket_key_idx" ON "rate_limit_events" USING btree ("bucket_key","created_at","id");--> statement-breakpoint
CREATE INDEX "rate_limit_events_caller_idx" ON "rate_limit_events" USING btree ("caller","created_at","id");--> statement-breakpoint
CREATE INDEX "rate_limit_events_action_idx" ON "rate_limit_events" USING btree ("action","created_at","id");--> statement-breakpoint
CREATE INDEX "saga_executions_saga_type_idx" ON "saga_executions" USING btree ("saga_type","created_at","id");--> statement-breakpoint
CREATE INDEX "saga_executions_correlation_id_idx" ON "saga_executions" USING btree ("correlation_id","created_at","id");--> statement-breakpoint
CREATE INDEX "saga_executions_status_idx" ON "saga_executions" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "saga_steps_saga_execution_id_idx" ON "saga_steps" USING btree ("saga_execution_id","created_at","id");--> statement-breakpoint
CREATE INDEX "saga_steps_status_idx" ON "saga_steps" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "saga_steps_saga_id_idx" ON "saga_steps" USING btree ("saga_id","created_at","id");--> statement-breakpoint
CREATE INDEX "service_registry_events_service_name_idx" ON "service_registry_events" USING btree ("service_name","created_at","id");--> statement-breakpoint
CREATE INDEX "service_registry_events_instance_id_idx" ON "service_registry_events" USING btree ("instance_id","created_at","id");--> statement-breakpoint
CREATE INDEX "service_registry_events_action_idx" ON "service_registry_events" USING btree ("action","created_at","id");--> statement-breakpoint
CREATE INDEX "service_registry_events_layer_idx" ON "service_registry_events" USING btree ("layer","created_at","id");--> statement-breakpoint
CREATE INDEX "sessions_agent_id_idx" ON "sessions" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "sessions_user_id_idx" ON "sessions" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "sessions_status_idx" ON "sessions" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_plan_id_idx" ON "tasks" USING btree ("plan_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_agent_id_idx" ON "tasks" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_status_idx" ON "tasks" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "tool_executions_tool_id_idx" ON "tool_executions" USING btree ("tool_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tool_executions_agent_id_idx" ON "tool_executions" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tool_executions_session_id_idx" ON "tool_executions" USING btree ("session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tool_executions_status_idx" ON "tool_executions" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "tool_executions_tool_name_idx" ON "tool_executions" USING btree ("tool_name","created_at","id");--> statement-breakpoint
CREATE INDEX "tool_executions_tenant_id_idx" ON "tool_executions" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tool_executions_session_ref_idx" ON "tool_executions" USING btree ("session_ref","created_at","id");--> statement-breakpoint
CREATE INDEX "tools_category_idx" ON "tools" USING btree ("category","created_at","id");--> statement-breakpoint
CREATE INDEX "tools_status_idx" ON "tools" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "training_examples_dataset_id_idx" ON "training_examples" USING btree ("dataset_id","created_at","id");--> statement-breakpoint
CREATE INDEX "training_examples_domain_idx" ON "training_examples" USING btree ("domain","created_at","id");--> statement-breakpoint
CREATE INDEX "training_examples_agent_id_idx" ON "training_examples" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "training_examples_execution_id_idx" ON "training_examples" USING btree ("execution_id","created_at","id");--> statement-breakpoint
CREATE INDEX "user_interactions_user_id_idx" ON "user_interactions" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "user_interactions_session_id_idx" ON "user_interactions" USING btree ("session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "user_interactions_agent_id_idx" ON "user_interactions" USING btree ("agent_id","created_at","id");--> statement-breakpoint
CREATE INDEX "user_interactions_interaction_type_idx" ON "user_interactions" USING btree ("interaction_type","created_at","id");--> statement-breakpoint
CREATE INDEX "user_interactions_session_ref_idx" ON "user_interactions" USING btree ("session_ref","created_at","id");