import { describe, expect, it } from 'vitest';
import { ScimError } from './errors.ts';
import { parseUserFilter } from './filter.ts';

describe('SCIM user filters', () => {
  it('takes the searches identity providers make, joined with and', () => {
    expect(parseUserFilter('userName eq "amira@academy.example"')).toEqual([{ attribute: 'userName', value: 'amira@academy.example' }]);
    expect(parseUserFilter('externalId eq "0f6e" and active eq true')).toEqual([{ attribute: 'externalId', value: '0f6e' }, { attribute: 'active', value: true }]);
    expect(parseUserFilter('emails.value eq "a@b.example"')).toEqual([{ attribute: 'userName', value: 'a@b.example' }]);
    expect(parseUserFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName EQ "x@y.example"')).toEqual([{ attribute: 'userName', value: 'x@y.example' }]);
    expect(parseUserFilter('id eq "x" and id eq "y"')).toEqual([{ attribute: 'id', value: 'x' }, { attribute: 'id', value: 'y' }]);
  });

  it('refuses, as invalidFilter, what it cannot answer exactly', () => {
    for (const f of ['userName eq "a" or userName eq "b"', 'not (userName eq "a")', 'userName co "a"', 'userName sw "a"', 'userName pr', 'userName eq', 'displayName eq "Amira"',
      'name.givenName eq "Amira"', 'active eq "yes"', 'userName eq 5', '((', 'a', 'x'.repeat(1001), 'userName eq "a\\"b"']) {
      let error: unknown;
      try {
        parseUserFilter(f);
      } catch (e) {
        error = e;
      }
      expect(error, f).toBeInstanceOf(ScimError);
      expect((error as ScimError).body(), f).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    }
  });
});
