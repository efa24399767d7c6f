import { describe, expect, it } from 'vitest';
import { ScimError } from './errors.ts';
import { applyOperation, emptyFields, nameFrom, patchOperation, type Touched, type UserFields } from './user-fields.ts';

const amira = (): UserFields => ({ ...emptyFields(), userName: 'amira@academy.example', displayName: 'Amira Khan', givenName: 'Amira', familyName: 'Khan', roles: ['practitioner'] });

function patch(state: UserFields, ...ops: unknown[]): { state: UserFields; touched: Touched; name: string | null } {
  const touched: Touched = new Set();
  for (const raw of ops) {
    const o = patchOperation(raw);
    applyOperation(state, touched, o.op, o.path, o.value);
  }
  return { state, touched, name: nameFrom(state, touched, 'Amira Khan') };
}

const scimError = (fn: () => unknown): Record<string, unknown> => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScimError) return e.body();
    throw e;
  }
  throw new Error('no error');
};

describe('applying SCIM operations to a practitioner', () => {
  it('takes Entra ID’s forms: capitalised ops, "True"/"False", path-less values with dotted keys, the core URN', () => {
    expect(patch(amira(), { op: 'Replace', path: 'active', value: 'False' }).state.active).toBe(false);
    expect(patch({ ...amira(), active: false }, { op: 'replace', value: { active: 'True' } }).state.active).toBe(true);
    const r = patch(amira(), { op: 'Replace', value: { 'name.familyName': 'Begum', 'urn:ietf:params:scim:schemas:core:2.0:User:title': 'Nurse' } });
    expect(r.state).toMatchObject({ familyName: 'Begum', title: 'Nurse' });
    expect(r.name).toBe('Amira Begum');
    expect(patch(amira(), { op: 'Add', path: 'userName', value: '  Amira.K@Academy.EXAMPLE ' }).state.userName).toBe('amira.k@academy.example');
  });

  it('the name shown: displayName, else name.formatted, else given and family names, else as it was', () => {
    expect(patch(amira(), { op: 'replace', path: 'displayName', value: 'Mrs Khan' }, { op: 'replace', path: 'name.givenName', value: 'Ami' }).name).toBe('Mrs Khan');
    expect(patch(amira(), { op: 'replace', path: 'name', value: { formatted: 'Dr A Khan', givenName: 'A' } }).name).toBe('Dr A Khan');
    expect(patch(amira(), { op: 'replace', path: 'title', value: 'Nurse' }).name).toBe('Amira Khan');
  });

  it('roles: add, replace, remove one by filter or by value, remove all; spelled as a person would', () => {
    expect(patch(amira(), { op: 'add', path: 'roles', value: [{ value: 'Safeguarding lead' }] }).state.roles).toEqual(['practitioner', 'safeguarding_lead']);
    expect(patch(amira(), { op: 'replace', path: 'roles', value: [{ value: 'manager' }, 'auditor'] }).state.roles).toEqual(['auditor', 'manager']);
    expect(patch(amira(), { op: 'remove', path: 'roles[value eq "practitioner"]' }).state.roles).toEqual([]);
    expect(patch({ ...amira(), roles: ['manager', 'practitioner'] }, { op: 'Remove', path: 'roles', value: [{ value: 'manager' }] }).state.roles).toEqual(['practitioner']);
    expect(patch(amira(), { op: 'remove', path: 'roles' }).state.roles).toEqual([]);
    expect(scimError(() => patch(amira(), { op: 'add', path: 'roles', value: [{ value: 'superuser' }] }))).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(scimError(() => patch(amira(), { op: 'add', path: 'roles', value: 'partnership_administrator' }))).toMatchObject({ scimType: 'invalidValue' });
  });

  it('ignores what Jigsaw does not keep, and refuses what makes no sense', () => {
    const before = amira();
    const r = patch(amira(), { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@y.example' }, { op: 'add', path: 'phoneNumbers', value: [{ value: '1' }] },
      { op: 'replace', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Health' }, { op: 'replace', path: 'password', value: 'secret' });
    expect(r.state).toEqual(before);
    expect(scimError(() => patch(amira(), { op: 'copy', path: 'title', value: 'x' }))).toMatchObject({ scimType: 'invalidSyntax' });
    expect(scimError(() => patch(amira(), { op: 'remove', path: 'userName' }))).toMatchObject({ scimType: 'mutability' });
    expect(scimError(() => patch(amira(), { op: 'remove', path: 'active' }))).toMatchObject({ scimType: 'mutability' });
    expect(scimError(() => patch(amira(), { op: 'replace', path: 'active', value: 'maybe' }))).toMatchObject({ scimType: 'invalidValue' });
    expect(scimError(() => patch(amira(), { op: 'replace', path: 'userName', value: 'not an address' }))).toMatchObject({ scimType: 'invalidValue' });
    expect(scimError(() => patch(amira(), { op: 'replace', path: 'title', value: 'Nurse\u0000' }))).toMatchObject({ scimType: 'invalidValue' });
    expect(scimError(() => patch(amira(), { op: 'replace', path: 'title', value: '\uD800' }))).toMatchObject({ scimType: 'invalidValue' });
    expect(scimError(() => patch(amira(), { op: 'replace', path: 'title', value: 'x'.repeat(201) }))).toMatchObject({ scimType: 'invalidValue' });
    expect(scimError(() => patch(amira(), { op: 'remove' }))).toMatchObject({ scimType: 'noTarget' });
  });
});
