import { describe, expect, it } from 'vitest';
import { describeServer, libpqEnvironment } from './pg-tools.ts';

describe("passing DATABASE_URL to pg_dump and pg_restore", () => {
  it('becomes libpq environment variables, decoded, so that nothing secret is on the command line', () => {
    expect(libpqEnvironment('postgres://jig%40saw:p%40ss%3Aword@db.example.org:6543/jigsaw_live?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem')).toEqual({
      PGHOST: 'db.example.org', PGPORT: '6543', PGUSER: 'jig@saw', PGPASSWORD: 'p@ss:word', PGDATABASE: 'jigsaw_live',
      PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/ssl/ca.pem',
    });
    expect(libpqEnvironment('postgresql://postgres@[::1]/test')).toEqual({ PGHOST: '::1', PGUSER: 'postgres', PGDATABASE: 'test' });
  });

  it("refuses node-postgres's ssl=true rather than guess a weaker libpq equivalent, and anything that is not a postgres URL", () => {
    expect(() => libpqEnvironment('postgres://u:secret@h/db?ssl=true')).toThrow(/parameter "ssl" cannot be passed on .* sslmode=verify-full/);
    expect(() => libpqEnvironment('mysql://u@h/db')).toThrow(/must start with postgres:\/\//);
    expect(() => libpqEnvironment('not a url')).toThrow(/is not a URL/);
  });

  it('is described in messages by host, port and database only, never the password', () => {
    expect(describeServer('postgres://jigsaw:secret@db.example.org:5432/jigsaw_live')).toBe('db.example.org:5432/jigsaw_live');
    expect(describeServer('postgres://jigsaw:secret@db.example.org/jigsaw_live')).toBe('db.example.org/jigsaw_live');
  });
});
