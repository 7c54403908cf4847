CREATE SCHEMA IF NOT EXISTS "orders";
--> statement-breakpoint
CREATE TABLE "orders"."idempotency_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"response_body" jsonb,
	"location" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."orders" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "orders"."orders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"item" text NOT NULL,
	"quantity" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"failure_reason" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"enqueued_at" timestamp with time zone,
	CONSTRAINT "orders_quantity_positive" CHECK ("orders"."orders"."quantity" >= 1),
	CONSTRAINT "orders_status_valid" CHECK ("orders"."orders"."status" in ('pending', 'processing', 'processed', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "orders_user_id_id_idx" ON "orders"."orders" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "orders_status_id_idx" ON "orders"."orders" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "orders_not_enqueued_idx" ON "orders"."orders" USING btree ("id") WHERE "orders"."orders"."enqueued_at" is null;