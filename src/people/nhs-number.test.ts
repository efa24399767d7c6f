import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referencePath } from '../../test/reference.ts';
import { isValidNhsNumber, nhsNumberProblem } from './nhs-number.ts';

// The published test vectors (NHS documentation, PDS sandbox, CP-IS examples), in test/reference/.
const vectors = readFileSync(referencePath('nhs_number_test_vectors.csv'), 'utf8')
  .trim().split('\n').slice(1).map((line) => {
    const [nhs, valid, ...note] = line.split(',');
    return { nhs: nhs!, valid: valid === 'true', note: note.join(',') };
  });

describe('NHS number Modulus 11 check', () => {
  it.each(vectors.filter((v) => v.nhs !== '0000000000'))('$nhs is judged as the published vector says ($note)', ({ nhs, valid }) => {
    expect(isValidNhsNumber(nhs)).toBe(valid);
  });

  it('refuses 0000000000 although the arithmetic passes: it is never issued', () => {
    expect(nhsNumberProblem('0000000000')).toBe('This is not an issued NHS number');
  });

  it('accepts spaces as people write them (943 476 5919) and rejects the CP-IS example 9912003890', () => {
    expect(isValidNhsNumber('943 476 5919')).toBe(true);
    expect(nhsNumberProblem('9912003890')).toMatch(/check digit/);
  });

  it('says what is wrong with a number of the wrong length', () => {
    expect(nhsNumberProblem('12345')).toBe('An NHS number has 10 digits');
  });
});
