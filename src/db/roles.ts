import type { Queryable } from './database.ts';

/**
 * The role the server works as on a PostgreSQL server. It may read and write casework, but on the
 * audit tables it may only read, add seals, and call the append functions (which run as their
 * owner): no UPDATE, DELETE or TRUNCATE, and, not owning them, no ALTER TABLE … DISABLE TRIGGER or
 * DROP. Migrations run as the owner (JIGSAW_MIGRATION_DATABASE_URL, else DATABASE_URL).
 *
 * A role is shared by every database on the server, so it is created only if absent, and where the
 * owner may not create roles (a managed server) this step is skipped: the operator creates it.
 */
export const APP_ROLE = 'jigsaw_app';

// One round trip, run after every migration (so tables added later are granted too, and a restore
// made with --no-privileges gets its grants back at the next start).
const GRANTS = `DO $grants$
DECLARE
  s text := current_schema();
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    BEGIN
      CREATE ROLE ${APP_ROLE} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation OR insufficient_privilege THEN
      NULL; -- created meanwhile by another database's migration, or not ours to create
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    RETURN;
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${APP_ROLE}', s);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO ${APP_ROLE}', s);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO ${APP_ROLE}', s);
  EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO ${APP_ROLE}', s);
  REVOKE ALL ON audit_event, audit_head, audit_seal, schema_migration FROM ${APP_ROLE};
  GRANT SELECT ON audit_event, audit_head, schema_migration TO ${APP_ROLE};
  GRANT SELECT, INSERT ON audit_seal TO ${APP_ROLE};
  -- The audit numbers are taken by the append functions alone (migration 035).
  IF to_regclass('audit_event_seq') IS NOT NULL THEN
    REVOKE ALL ON SEQUENCE audit_event_seq FROM ${APP_ROLE};
  END IF;
  -- So an owner that is not a superuser may SET ROLE to it (PostgreSQL 16 no longer grants that to a role's creator).
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AND NOT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
  END IF;
END
$grants$;`;

export async function grantApplicationRole(tx: Queryable): Promise<void> {
  await tx.exec(GRANTS);
}

/**
 * How the server should connect. `privileged`: its login owns the audit tables or is a superuser.
 * `role`: the role to take on every pooled connection then (when it exists and the login may take
 * it) — defence in depth only, since such a login can always SET ROLE back; a separate login that
 * is a member of jigsaw_app is the real boundary.
 */
export async function roleToAssume(db: Queryable): Promise<{ privileged: boolean; role?: string }> {
  const { rows } = await db.query<{ privileged: boolean; can: boolean }>(
    `SELECT (r.rolsuper OR pg_has_role(current_user, t.tableowner, 'MEMBER')) AS privileged,
            coalesce((SELECT pg_has_role(current_user, a.oid, 'MEMBER') FROM pg_roles a WHERE a.rolname = $1), false) AS can
       FROM pg_roles r, pg_tables t
      WHERE r.rolname = current_user AND t.tablename = 'audit_event' AND t.schemaname = current_schema()`,
    [APP_ROLE],
  );
  const r = rows[0];
  if (!r) return { privileged: false };
  return r.privileged && r.can ? { privileged: true, role: APP_ROLE } : { privileged: r.privileged };
}
