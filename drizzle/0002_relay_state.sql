CREATE TABLE "dead_letters" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"position" bigint NOT NULL,
	"entity_type" varchar(50) NOT NULL,
	"event_type" varchar(100) NOT NULL,
	"status" varchar(20) DEFAULT 'dead' NOT NULL,
	"attempts" integer NOT NULL,
	"last_error" varchar(2000) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "relay_checkpoint" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"transaction_id" "xid8" NOT NULL,
	"position" bigint NOT NULL,
	"published" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "requeued" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "dead_letters_status_idx" ON "dead_letters" USING btree ("status","created_at");