import { nameMatchSql, nameWordsSql, searchTerms } from '../src/people/people.ts';
import { nameSearchKeys } from '../src/matching/store.ts';
const [agency, name] = [process.argv[2]!, process.argv[3]!];
const terms = searchTerms(name);
const sql = `EXPLAIN (ANALYZE, BUFFERS) SELECT p.id FROM person p
        WHERE p.agency_id = $1
          AND ($2::text IS NULL OR p.nhs_number = $2)
          AND ($3::date IS NULL OR p.date_of_birth = $3)
          AND ${process.env.NEW ? `p.id IN (SELECT n.person_id FROM person_name n WHERE ${nameWordsSql(terms, 8)} UNION ALL SELECT k.person_id FROM person_match_key k WHERE k.key = ANY($7::text[]))` : nameMatchSql(terms, 8, 7)}
          AND ($4::timestamptz IS NULL OR (p.created_at, p.id) > ($4::timestamptz, $5::uuid))
        ORDER BY p.created_at, p.id LIMIT $6`;
const params = [agency, null, null, null, null, 51, nameSearchKeys(name), ...terms];
const lit = (v: unknown) => v === null ? 'NULL' : Array.isArray(v) ? `ARRAY[${v.map((x) => `'${x}'`).join(',')}]::text[]` : typeof v === 'number' ? String(v) : `'${v}'`;
let s = sql;
for (let i = params.length; i >= 1; i--) s = s.split(`$${i}`).join(lit(params[i - 1]));
console.log(s + ';');
