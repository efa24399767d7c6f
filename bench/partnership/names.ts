import { createHash } from 'node:crypto';
import { seededRandom } from '../../src/matching/train.ts';
import { zipf } from '../lib/synthetic.ts';

/**
 * Plausible British names, streets and places for the partnership benchmark, made up from small
 * lists written for it (no real register or data set is used). Surnames are two invented parts
 * joined ("Ashford", "Millthwaite"), so a list of ~60 × 40 gives a few thousand, common ones
 * more often (Zipf), as in a real population; first names mix the commonest recent British ones
 * with names of the communities a northern English partnership serves.
 */

export type Rng = () => number;
export const rngFor = (seed: number, stream: number): Rng => seededRandom((seed * 1_000_003 + stream * 7919) >>> 0);

/**
 * A deterministic id from the seed and a label: the MD5 of `seed:label`, with the version (4) and
 * variant bits set so that it is a valid UUID to the API's schemas. sqlIdFor computes the same in
 * SQL, so rows made by set-based SQL (the records) have ids that Node can name without reading
 * them back (the share grants point at records this way).
 */
export function idFor(seed: number, label: string): string {
  const h = createHash('md5').update(`${seed}:${label}`).digest('hex');
  const variant = '89ab'[parseInt(h[16]!, 16) % 4]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
}

/** idFor in SQL, for a text expression that is already `seed:label`. */
export const sqlIdFor = (key: string): string =>
  `overlay(overlay(md5(${key}) placing '4' from 13) placing substr('89ab', (('x' || substr(md5(${key}), 17, 1))::bit(4)::int % 4) + 1, 1) from 17)::uuid`;

const GIRLS = ('Olivia Amelia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Florence Willow Evie Ella Poppy Emily Rosie Sienna Daisy Charlotte Elsie Harper Matilda ' +
  'Phoebe Ruby Maya Esme Alice Ada Aria Hallie Layla Millie Eva Hannah Amira Zara Aisha Maryam Fatima Hafsa Inaya Zainab Priya Anaya Wiktoria Zuzanna Maja Amara Chloe ' +
  'Jessica Lauren Megan Rebecca Sarah Emma Laura Gemma Kirsty Danielle Nicola Claire Joanne Lisa Michelle Stacey Kelly Leanne Natalie Samantha Amy Katie Jade').split(' ');
const BOYS = ('Noah Muhammad Oliver George Leo Arthur Oscar Theodore Freddie Theo Archie Harry Alfie Jack Henry Charlie Finley Tommy Jacob Lucas Isaac Teddy Thomas ' +
  'Ethan Reggie Alexander Albie Joshua Max James William Mason Harrison Riley Logan Ibrahim Yusuf Ayaan Zayn Omar Hamza Adam Kacper Jakub Kofi Kwame Daniel Ryan Liam ' +
  'Jamie Craig Lee Mark Paul Darren Scott Wayne Dean Gary Stuart Carl Matthew Andrew Christopher Michael Steven Anthony Shaun Kieran Connor Callum').split(' ');
const SURNAME_HEADS = ('Ash Black Brad Brook Cart Chap Clay Cole Crow Dal Eld Fair Fern Gold Green Hall Hart Hay Hol King Lang Mar Mill Moor New Nor Oak Park Pen Rad ' +
  'Red Rich Ros Shaw Stan Stock Thorn Town Wal War West White Wil Win Wood York Bar Bell Bright Burn Dun Har Hun Ken Kirk Mor Ridd Sut Thack Whit').split(' ');
const SURNAME_TAILS = 'ford ley well wood son er ton field ham man ridge worth by stone ell gate more brook hurst ington land lock shaw sey thwaite wick ings dale croft den side mond ner ward win stall cliffe bury cott'.split(' ');
const STREETS = 'High Station Church Park Victoria Green Manor Kings Queens Mill New School Grange Chapel Windsor Albert York Alexandra Beech Elm Hawthorn Rowan Meadow Orchard Well Moor Bridge Water'.split(' ');
const STREET_KINDS = ['Street', 'Road', 'Lane', 'Avenue', 'Close', 'Drive', 'Way', 'Gardens', 'Crescent', 'Terrace', 'Court', 'Grove'];

/** The partnership's ten areas: a fictional town each, with an invented postcode area (ZZ is never issued). */
export const AREAS = [
  ['Northby', 'ZN1'], ['Eastwick', 'ZN2'], ['Southam Moor', 'ZN3'], ['Westerdale', 'ZN4'], ['Kirkfield', 'ZN5'],
  ['Holmebridge', 'ZN6'], ['Castleford Green', 'ZN7'], ['Ravensthorpe', 'ZN8'], ['Millbrook', 'ZN9'], ['Ashworth', 'ZN10'],
] as const;


export interface NameMaker {
  given(sex: 'female' | 'male'): string;
  family(): string;
  street(): string;
  postcode(area: number): string;
}

export function nameMaker(rnd: Rng): NameMaker {
  const surnames = SURNAME_HEADS.flatMap((h) => SURNAME_TAILS.map((t) => h + t));
  // Shuffled once so the commonest surnames are not all "Ash…".
  for (let i = surnames.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [surnames[i], surnames[j]] = [surnames[j]!, surnames[i]!];
  }
  const girl = zipf(rnd, GIRLS.length, 0.6);
  const boy = zipf(rnd, BOYS.length, 0.6);
  const last = zipf(rnd, surnames.length, 0.7);
  const letter = (): string => 'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(rnd() * 20)]!;
  return {
    given: (sex) => (sex === 'female' ? GIRLS[girl()]! : BOYS[boy()]!),
    family: () => surnames[last()]!,
    street: () => `${1 + Math.floor(rnd() * 180)} ${STREETS[Math.floor(rnd() * STREETS.length)]} ${STREET_KINDS[Math.floor(rnd() * STREET_KINDS.length)]}`,
    postcode: (area) => `${AREAS[area]![1]} ${1 + Math.floor(rnd() * 9)}${letter()}${letter()}`,
  };
}

/** A valid NHS number (modulus 11 check digit) in the 999 range, which the NHS never issues to patients. */
export function nhsNumber(rnd: Rng): string {
  for (;;) {
    const digits = [9, 9, 9, ...Array.from({ length: 6 }, () => Math.floor(rnd() * 10))];
    const sum = digits.reduce((s, d, i) => s + d * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${digits.join('')}${check === 11 ? 0 : check}`;
  }
}
