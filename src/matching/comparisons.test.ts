import { describe, expect, it } from 'vitest';
import { ADDRESS, adjacentTransposition, DATE_OF_BIRTH, FIRST_NAME, LAST_NAME, MIDDLE_NAMES, NHS_NUMBER, oneDifferent, PARENTS, POSTCODE, SEX, TOWN, type Comparison } from './comparisons.ts';
import { prepare, type MatchInput } from './record.ts';

const level = (c: Comparison, a: MatchInput, b: MatchInput): string => c.levels[c.compare(prepare(a), prepare(b))]!;

describe('comparison levels, one field at a time', () => {
  it('first name: exact, nickname, Jaro–Winkler bands, phonetic, initial or middle name, different, missing', () => {
    expect(level(FIRST_NAME, { firstName: 'Robert' }, { firstName: 'ROBERT ' })).toBe('exact');
    expect(level(FIRST_NAME, { firstName: 'Bob' }, { firstName: 'Robert' })).toBe('nickname');
    expect(level(FIRST_NAME, { firstName: 'Kate' }, { firstName: 'Catherine' })).toBe('nickname');
    expect(level(FIRST_NAME, { firstName: 'Jonathon' }, { firstName: 'Jonathan' })).toBe('jaro_winkler_0.92');
    expect(level(FIRST_NAME, { firstName: 'Stephen' }, { firstName: 'Steven' })).toBe('jaro_winkler_0.85_or_phonetic');
    expect(level(FIRST_NAME, { firstName: 'Geoff' }, { firstName: 'Jeff' })).toBe('jaro_winkler_0.85_or_phonetic');
    expect(level(FIRST_NAME, { firstName: 'J' }, { firstName: 'Jack' })).toBe('initial_or_middle_name');
    expect(level(FIRST_NAME, { firstName: 'Mary', middleNames: 'Louise' }, { firstName: 'Louise' })).toBe('initial_or_middle_name');
    expect(level(FIRST_NAME, { firstName: 'Mary Louise' }, { firstName: 'Louise' })).toBe('initial_or_middle_name');
    expect(level(FIRST_NAME, { firstName: 'Oliver' }, { firstName: 'Harry' })).toBe('different');
    expect(level(FIRST_NAME, { firstName: '' }, { firstName: 'Harry' })).toBe('missing');
  });

  it('surname: exact, swapped with first name, Jaro–Winkler, hyphenated or changed, phonetic, different', () => {
    expect(level(LAST_NAME, { lastName: "O'Brien" }, { lastName: 'obrien' })).toBe('exact');
    expect(level(LAST_NAME, { firstName: 'Smith', lastName: 'John' }, { firstName: 'John', lastName: 'Smith' })).toBe('first_and_last_swapped');
    expect(level(FIRST_NAME, { firstName: 'Smith', lastName: 'John' }, { firstName: 'John', lastName: 'Smith' })).toBe('missing'); // the swap counts once
    expect(level(LAST_NAME, { lastName: 'Thompson' }, { lastName: 'Thomson' })).toBe('jaro_winkler_0.92');
    expect(level(LAST_NAME, { lastName: 'Smith-Jones' }, { lastName: 'Jones' })).toBe('hyphenated_part_or_other_name');
    expect(level(LAST_NAME, { lastName: 'Carver', otherNames: [{ lastName: 'Wilson' }] }, { lastName: 'Wilson' })).toBe('hyphenated_part_or_other_name');
    expect(level(LAST_NAME, { lastName: 'Knight' }, { lastName: 'Nite' })).toBe('jaro_winkler_0.80_or_phonetic');
    expect(level(LAST_NAME, { lastName: 'Carver' }, { lastName: 'Patel' })).toBe('different');
  });

  it('middle names: exact, initial, Jaro–Winkler, different', () => {
    expect(level(MIDDLE_NAMES, { middleNames: 'Anne' }, { middleNames: 'anne' })).toBe('exact');
    expect(level(MIDDLE_NAMES, { middleNames: 'A' }, { middleNames: 'Anne' })).toBe('initial');
    expect(level(MIDDLE_NAMES, { middleNames: 'Ann' }, { middleNames: 'Anne' })).toBe('jaro_winkler_0.88');
    expect(level(MIDDLE_NAMES, { middleNames: 'Rose' }, { middleNames: 'Anne' })).toBe('different');
  });

  it('date of birth: exact (any format), day and month swapped, one digit, year off by one or ten, transposed, different', () => {
    expect(level(DATE_OF_BIRTH, { dateOfBirth: '2021-05-04' }, { dateOfBirth: '04/05/2021' })).toBe('exact');
    expect(level(DATE_OF_BIRTH, { dateOfBirth: '2021-05-04' }, { dateOfBirth: '20210405' })).toBe('day_month_swapped');
    expect(level(DATE_OF_BIRTH, { dateOfBirth: '2021-05-04' }, { dateOfBirth: '2021-05-07' })).toBe('one_digit_different');
    expect(level(DATE_OF_BIRTH, { dateOfBirth: '1999-05-04' }, { dateOfBirth: '2000-05-04' })).toBe('year_off_by_one_or_ten_or_transposed');
    expect(level(DATE_OF_BIRTH, { dateOfBirth: '1985-05-04' }, { dateOfBirth: '1975-05-04' })).toBe('one_digit_different'); // ten years is one digit
    expect(level(DATE_OF_BIRTH, { dateOfBirth: '2021-05-14' }, { dateOfBirth: '2021-05-41' })).toBe('year_off_by_one_or_ten_or_transposed');
    expect(level(DATE_OF_BIRTH, { dateOfBirth: '2021-05-04' }, { dateOfBirth: '2019-11-23' })).toBe('different');
    expect(level(DATE_OF_BIRTH, { dateOfBirth: undefined }, { dateOfBirth: '2019-11-23' })).toBe('missing');
  });

  it('sex, NHS number (exact, one digit or transposed, different), town', () => {
    expect(level(SEX, { sex: 'female' }, { sex: 'F' })).toBe('same');
    expect(level(SEX, { sex: 'female' }, { sex: 'male' })).toBe('different');
    expect(level(SEX, { sex: 'unknown' }, { sex: 'male' })).toBe('missing');
    expect(level(NHS_NUMBER, { nhsNumber: '943 476 5919' }, { nhsNumber: '9434765919' })).toBe('exact');
    expect(level(NHS_NUMBER, { nhsNumber: '9434765919' }, { nhsNumber: '9434765918' })).toBe('one_digit_or_transposition');
    expect(level(NHS_NUMBER, { nhsNumber: '9434765919' }, { nhsNumber: '9434769519' })).toBe('one_digit_or_transposition');
    expect(level(NHS_NUMBER, { nhsNumber: '9434765919' }, { nhsNumber: '4010232137' })).toBe('different');
    expect(level(TOWN, { town: 'Leeds' }, { town: 'leeds' })).toBe('exact');
    expect(level(TOWN, { town: 'Harrogate' }, { town: 'Harogate' })).toBe('jaro_winkler_0.90');
    expect(level(TOWN, { town: 'Leeds' }, { town: 'York' })).toBe('different');
  });

  it('address and postcode: exact, fuzzy street, same sector and district, different', () => {
    expect(level(ADDRESS, { address: '12 High Street' }, { address: '12, high street' })).toBe('exact');
    expect(level(ADDRESS, { address: '12 High Street' }, { address: '12 Hihg Street' })).toBe('jaro_winkler_0.90');
    expect(level(ADDRESS, { address: 'Flat 2 12 Mill Lane' }, { address: '12 Mill Lane Leeds' })).toBe('half_the_words');
    expect(level(ADDRESS, { address: '12 High Street' }, { address: '3 Oak Close' })).toBe('different');
    expect(level(POSTCODE, { postcode: 'ls6 2ab' }, { postcode: 'LS62AB' })).toBe('exact');
    expect(level(POSTCODE, { postcode: 'LS6 2AB' }, { postcode: 'LS6 2AD' })).toBe('one_character_different');
    expect(level(POSTCODE, { postcode: 'LS6 2AB' }, { postcode: 'LS6 2QT' })).toBe('same_sector');
    expect(level(POSTCODE, { postcode: 'LS6 2AB' }, { postcode: 'LS6 4XY' })).toBe('same_district');
    expect(level(POSTCODE, { postcode: 'LS6 2AB' }, { postcode: 'YO1 7HH' })).toBe('different');
  });

  it('recorded parents: one in common, none in common, missing', () => {
    expect(level(PARENTS, { parents: ['Dawn Carver'] }, { parents: ['dawn carver', 'Mark Smith'] })).toBe('share_a_parent');
    expect(level(PARENTS, { parents: ['Dawn Carver'] }, { parents: ['Sarah Patel'] })).toBe('no_parent_in_common');
    expect(level(PARENTS, { parents: [] }, { parents: ['Sarah Patel'] })).toBe('missing');
  });

  it('digit helpers', () => {
    expect(oneDifferent('20210504', '20210507')).toBe(true);
    expect(oneDifferent('20210504', '20210547')).toBe(false);
    expect(adjacentTransposition('20210514', '20210541')).toBe(true);
    expect(adjacentTransposition('20210514', '20210514')).toBe(false);
  });
});
