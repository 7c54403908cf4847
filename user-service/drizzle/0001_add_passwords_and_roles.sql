ALTER TABLE "users"."users" ADD COLUMN "password_hash" text;--> statement-breakpoint
ALTER TABLE "users"."users" ADD COLUMN "roles" text[] DEFAULT '{}'::text[] NOT NULL;