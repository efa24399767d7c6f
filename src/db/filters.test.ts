import { describe, expect, it } from 'vitest';
import { ifGiven } from './filters.ts';

describe('optional filters in a statement', () => {
  it('the condition when given; otherwise its parameters, each IS NULL, so their types stay known', () => {
    expect(ifGiven(true, 'e.child_person_id = $3', '$3::uuid')).toBe('e.child_person_id = $3');
    expect(ifGiven(false, 'e.child_person_id = $3', '$3::uuid')).toBe('$3::uuid IS NULL');
    expect(ifGiven(false, '(a, b) > ($4::timestamptz, $5::uuid)', '$4::timestamptz', '$5::uuid')).toBe('$4::timestamptz IS NULL AND $5::uuid IS NULL');
    // Given the value itself: null or undefined is not given; anything else (an empty text too) is.
    expect(ifGiven(null, 'p.nhs_number = $2', '$2::text')).toBe('$2::text IS NULL');
    expect(ifGiven(undefined, 'p.nhs_number = $2', '$2::text')).toBe('$2::text IS NULL');
    expect(ifGiven('', 'p.nhs_number = $2', '$2::text')).toBe('p.nhs_number = $2');
  });
});
