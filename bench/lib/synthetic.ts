import { seededRandom } from '../../src/matching/train.ts';
import type { MatchInput } from '../../src/matching/record.ts';
import type { LabelledSet } from './linkage.ts';

/**
 * A synthetic population with duplicates carrying the errors agencies make: typing errors,
 * nicknames, day and month swapped, year off by one, surname changes, moves, missing fields,
 * swapped first and last names. Fixed seed: the same call gives the same people.
 */
const FIRST = ('oliver george harry jack jacob noah charlie muhammad thomas oscar william james leo alfie henry joshua freddie archie ethan isaac alexander joseph edward samuel max daniel arthur lucas mohammed logan theo harrison benjamin mason sebastian finley adam dylan zachary riley teddy david toby luke elijah tommy matthew reuben jayden ' +
  'olivia amelia isla ava emily isabella mia poppy ella lily sophia grace evie scarlett ruby chloe isabelle daisy freya phoebe florence alice jessica sienna charlotte matilda elsie rosie evelyn sophie harper millie eva imogen layla esme erin maya emma holly willow elizabeth katherine margaret robert richard susan sarah rebecca victoria jennifer ' +
  'aaliyah amir ayesha bilal fatima hassan ibrahim kwame leila nadia omar priya ravi sanjay tariq yusuf zara zainab kofi amara chinedu oluwaseun ngozi wiktoria jakub kacper zuzanna aleksander andrei ionut maria ana stefan').split(' ');
const SURNAME_A = 'ash black brad brook cart chap clay cole crow dal eld fair fern gold green hall hart hay hol king lang lee mar mill moor new nor oak park pen rad red rich ros roth shaw stan stock thorn town wal war west white wil win wood york bar bell bright burn dun fitz har hun ken mac mor'.split(' ');
const SURNAME_B = 'ford ley well wood son er ton field ham man ridge worth by stone ell ett gate more brook hurst ington land lock ock ow shaw sey thwaite wick well ings dale croft den side mond ner ster ward win'.split(' ');
const STREETS = 'high station church park victoria green manor kings queens mill new school grange north south west east main chapel windsor albert york alexandra'.split(' ');
const STREET_KINDS = ['street', 'road', 'lane', 'avenue', 'close', 'drive', 'way', 'gardens', 'crescent', 'place'];
const TOWNS = 'leeds bradford sheffield york hull doncaster wakefield halifax huddersfield harrogate rotherham barnsley scarborough selby ripon keighley pontefract castleford batley dewsbury'.split(' ');
const AREAS = ['LS', 'BD', 'S', 'YO', 'HU', 'DN', 'WF', 'HX', 'HD', 'HG'];
const NICKNAMES: Record<string, string> = { william: 'bill', robert: 'bob', katherine: 'kate', elizabeth: 'liz', margaret: 'maggie', richard: 'dick', thomas: 'tom', james: 'jim', alexander: 'alex', benjamin: 'ben', samuel: 'sam', joseph: 'joe', daniel: 'dan', matthew: 'matt', edward: 'ted', rebecca: 'becky', victoria: 'vicky', jennifer: 'jenny', susan: 'sue', charlotte: 'lottie', isabella: 'bella', oliver: 'ollie', jacob: 'jake', harry: 'harold', florence: 'flo', sarah: 'sally' };

/** Zipf-like choice: a few names are common, most are rare, as in a real population. */
export function zipf(rnd: () => number, n: number, s: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const x = rnd() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function typo(rnd: () => number, s: string): string {
  if (s.length < 3) return s;
  const i = 1 + Math.floor(rnd() * (s.length - 2));
  const kind = rnd();
  if (kind < 0.33) return s.slice(0, i) + s.slice(i + 1);
  if (kind < 0.66) return s.slice(0, i) + LETTERS[Math.floor(rnd() * 26)] + s.slice(i + 1);
  return s.slice(0, i - 1) + s[i] + s[i - 1] + s.slice(i + 1);
}

export interface Person {
  first: string;
  middle: string;
  last: string;
  y: number;
  m: number;
  d: number;
  sex: 'female' | 'male';
  nhs: string;
  address: string;
  postcode: string;
  town: string;
}

function nhsNumber(rnd: () => number): string {
  for (;;) {
    const digits = Array.from({ length: 9 }, () => Math.floor(rnd() * 10));
    const sum = digits.reduce((s, d, i) => s + d * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${digits.join('')}${check === 11 ? 0 : check}`;
  }
}

export function syntheticPopulation(records: number, seed = 20260302, duplicateShare = 0.3): LabelledSet & { people: Person[] } {
  const rnd = seededRandom(seed);
  const firstIdx = zipf(rnd, FIRST.length, 0.5);
  const surnames = SURNAME_A.flatMap((a) => SURNAME_B.map((b) => a + b));
  const lastIdx = zipf(rnd, surnames.length, 0.6);
  const address = (): { address: string; postcode: string; town: string } => {
    const area = Math.floor(rnd() * AREAS.length);
    const district = 1 + Math.floor(rnd() * 30);
    return {
      address: `${1 + Math.floor(rnd() * 200)} ${STREETS[Math.floor(rnd() * STREETS.length)]} ${STREET_KINDS[Math.floor(rnd() * STREET_KINDS.length)]}`,
      postcode: `${AREAS[area]}${district} ${Math.floor(rnd() * 10)}${LETTERS[Math.floor(rnd() * 26)]!.toUpperCase()}${LETTERS[Math.floor(rnd() * 26)]!.toUpperCase()}`,
      town: TOWNS[area * 2 + Math.floor(rnd() * 2)]!,
    };
  };
  const people: Person[] = [];
  const out: MatchInput[] = [];
  const cluster = new Int32Array(records);
  for (let r = 0; r < records; r++) {
    let id: number;
    if (people.length > 0 && rnd() < duplicateShare) {
      // A duplicate of someone recent-ish (keeps memory flat; any earlier person would do).
      id = people.length - 1 - Math.floor(rnd() * Math.min(people.length, 5000));
    } else {
      const a = address();
      people.push({
        first: FIRST[firstIdx()]!, middle: rnd() < 0.4 ? FIRST[firstIdx()]! : '', last: surnames[lastIdx()]!,
        y: 1935 + Math.floor(rnd() * 90), m: 1 + Math.floor(rnd() * 12), d: 1 + Math.floor(rnd() * 28),
        sex: rnd() < 0.5 ? 'female' : 'male', nhs: nhsNumber(rnd), ...a,
      });
      id = people.length - 1;
      cluster[r] = id;
      const p = people[id]!;
      out.push({ firstName: p.first, middleNames: p.middle, lastName: p.last, dateOfBirth: `${p.y}-${pad(p.m)}-${pad(p.d)}`, sex: p.sex, nhsNumber: rnd() < 0.6 ? p.nhs : '', address: p.address, postcode: p.postcode, town: p.town });
      continue;
    }
    cluster[r] = id;
    const p = people[id]!;
    let { first, last, y, m, d } = p;
    let { address: addr, postcode, town } = p;
    let middle = p.middle;
    if (rnd() < 0.15) first = typo(rnd, first);
    // eslint-disable-next-line no-dupe-else-if -- every rnd() is a fresh draw
    else if (rnd() < 0.15 && NICKNAMES[first]) first = NICKNAMES[first]!;
    if (rnd() < 0.15) last = typo(rnd, last);
    else if (rnd() < 0.05) last = surnames[lastIdx()]!;
    // eslint-disable-next-line no-dupe-else-if -- every rnd() is a fresh draw
    else if (rnd() < 0.05) last = `${last}-${surnames[lastIdx()]!}`;
    if (rnd() < 0.05 && d <= 12) [m, d] = [d, m];
    else if (rnd() < 0.05) d = 1 + ((d + Math.floor(rnd() * 8)) % 28);
    else if (rnd() < 0.03) y += rnd() < 0.5 ? 1 : -1;
    if (rnd() < 0.2) ({ address: addr, postcode, town } = address());
    if (rnd() < 0.1) middle = '';
    if (rnd() < 0.02) [first, last] = [last, first];
    const blank = (v: string, share: number): string => (rnd() < share ? '' : v);
    out.push({
      firstName: blank(first, 0.03), middleNames: middle, lastName: blank(last, 0.03), dateOfBirth: rnd() < 0.05 ? '' : `${y}-${pad(m)}-${pad(d)}`,
      sex: rnd() < 0.1 ? '' : p.sex, nhsNumber: rnd() < 0.5 ? p.nhs : '', address: blank(addr, 0.1), postcode: blank(postcode, 0.1), town: blank(town, 0.1),
    });
  }
  return { name: `synthetic_${records}`, records: out, cluster, hasId: true, people };
}
