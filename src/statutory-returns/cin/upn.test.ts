import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalUpn, UPN_ALPHABET, upnCheckLetter, upnProblem } from './upn.ts';

describe('the unique pupil number and its check letter', () => {
  it('accepts published valid UPNs and refuses ones with the wrong check letter', () => {
    // Z213282605052: 2·2 + 1·3 + 3·4 + 2·5 + 8·6 + 2·7 + 6·8 + 0·9 + 5·10 + 0·11 + 5·12 + 2·13 = 275; 275 mod 23 = 22 → Z.
    expect(upnProblem('Z213282605052')).toBeUndefined();
    // B801200005001: 8·2 + 1·4 + 2·5 + 5·10 + 1·13 = 93; 93 mod 23 = 1 → B.
    expect(upnProblem('B801200005001')).toBeUndefined();
    expect(upnProblem('A213282605052')).toMatch(/check letter/);
    // The validator's own fake data uses this one, which fails rule 1510.
    expect(upnProblem('A123456789123')).toMatch(/check letter/);
  });

  it('says what is wrong with the shape', () => {
    expect(upnProblem('Z21328260505')).toMatch(/13 characters/);
    expect(upnProblem('Z2132826050X2')).toMatch(/a letter, then 11 digits/);
    expect(upnProblem('1213282605052')).toMatch(/a letter, then 11 digits/);
  });

  it('takes lower case as upper case', () => {
    expect(upnProblem('z213282605052')).toBeUndefined();
    expect(canonicalUpn(' z213282605052 ')).toBe('Z213282605052');
  });

  it('gives any 12-character body exactly one valid check letter, in upper or lower case', () => {
    const body = fc.tuple(fc.stringMatching(/^[0-9]{11}$/), fc.constantFrom(...'0123456789', ...UPN_ALPHABET)).map(([digits, last]) => digits + last);
    fc.assert(fc.property(body, fc.boolean(), (b, lower) => {
      const valid = [...UPN_ALPHABET].filter((letter) => upnProblem(lower ? (letter + b).toLowerCase() : letter + b) === undefined);
      expect(valid).toEqual([upnCheckLetter(b)]);
    }));
  });
});
