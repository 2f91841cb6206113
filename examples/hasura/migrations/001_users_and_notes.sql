-- The users table Authura uses (npm run migrate -- --print), and an app table whose rows belong to users.
CREATE TABLE IF NOT EXISTS "users" (
  "id" SERIAL NOT NULL PRIMARY KEY,
  "email" VARCHAR NOT NULL,
  "role" VARCHAR NOT NULL,
  "password" VARCHAR NOT NULL,
  "tenant_id" VARCHAR,
  "verified_at" TIMESTAMP WITH TIME ZONE,
  "session_version" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS "users_email_tenant_id_key" ON "users" ("email", "tenant_id");
CREATE UNIQUE INDEX IF NOT EXISTS "users_email_no_tenant_key" ON "users" ("email") WHERE "tenant_id" IS NULL;
CREATE TABLE IF NOT EXISTS "authura_spent_links" ("jti" TEXT NOT NULL PRIMARY KEY, "expires_at" BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS "notes" (
  "id" SERIAL PRIMARY KEY,
  "owner_id" INTEGER NOT NULL REFERENCES "users" ("id"),
  "body" TEXT NOT NULL
);
