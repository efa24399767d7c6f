import { queryKeys } from '../src/matching/store.ts';
const [agency, name] = [process.argv[2]!, process.argv[3]!];
const w = name.split(' ');
const keys = queryKeys({ firstName: w.slice(0, -1).join(' ') || undefined, lastName: w.at(-1) }, []);
console.log(`\\set keys '${'{' + keys.map((k) => `"${k}"`).join(',') + '}'}'`);
console.log(`\\set agency '${agency}'`);
