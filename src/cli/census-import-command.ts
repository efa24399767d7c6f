import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { systemClock } from '../shared/clock.ts';
import { isId } from '../shared/ids.ts';
import { readCensusXml, CensusFileError } from '../statutory-returns/cin/census-xml-read.ts';
import type { Census } from '../statutory-returns/cin/census.ts';
import { CensusImportRefused, importCensus } from '../statutory-returns/cin/census-import.ts';
import { withDatabase, type Command } from './main.ts';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * `jigsaw cin import census.xml --agency ID --as EMAIL`: an earlier census loaded as history
 * (src/statutory-returns/cin/census-import.ts). Prints what was loaded and one line for each thing
 * that was not (the child's LAchildID, the element, why; never the value). Exit 0 when anything was
 * loaded or was already held, 1 when nothing was, 2 when the file cannot be read or the options are wrong.
 * A function (hoisted), not a constant: main.ts and this file import each other (as user-commands.ts).
 */
export function censusImportCommand(): Command {
  const command: Command = {
  name: 'cin import',
  summary: 'Load an earlier Children in Need census (XML) as history: its children, referrals, assessments, s47 enquiries, conferences and plans.',
  usage: 'jigsaw cin import CENSUS.xml --agency AGENCY_ID --as EMAIL\n  --agency: the children\'s social care authority whose census it is\n  --as: the data officer or manager the history is recorded by\n  Importing the same file again, or a later census repeating an episode, adds nothing.',
  options: { agency: { type: 'string' }, as: { type: 'string' } },
  allowPositionals: true,
  async run(args, config, io, { positionals }) {
    const agencyId = typeof args.agency === 'string' ? args.agency : '';
    const email = typeof args.as === 'string' ? args.as.trim() : '';
    const problems = [
      positionals.length !== 1 && 'Give one census file',
      !isId(agencyId) && '--agency is required: the authority\'s identifier (`jigsaw agency list` shows it)',
      !email && '--as is required: the e-mail address of the data officer or manager the history is recorded by',
    ].filter((p): p is string => typeof p === 'string');
    if (problems.length) {
      for (const p of problems) io.err(p);
      io.err(`Usage: ${command.usage}`);
      return 2;
    }
    const path = positionals[0]!;
    let census: Census;
    try {
      census = readCensusXml(readFileSync(path, 'utf8'));
    } catch (err) {
      io.err(`${basename(path)}: ${err instanceof CensusFileError ? err.message : 'cannot read the file'}`);
      return 2;
    }
    return withDatabase(config, async (db) => {
      const who = (await db.query<{ id: string }>('SELECT id FROM practitioner WHERE lower(email) = lower($1)', [email])).rows[0];
      if (!who) {
        io.err('--as: no practitioner has that e-mail address.');
        return 2;
      }
      try {
        const r = await importCensus({ db, clock: systemClock }, { agencyId, practitionerId: who.id, census, source: basename(path) });
        io.out(`Loaded ${plural(r.children, 'child', 'children')} (${r.childrenCreated} new), ${plural(r.episodes, 'episode', 'episodes')} and ${plural(r.plans, 'child protection plan', 'child protection plans')} from ${basename(path)}.`);
        if (r.episodesAlreadyHeld) io.out(`${r.episodesAlreadyHeld === 1 ? '1 episode was already held and was left as it was' : `${r.episodesAlreadyHeld} episodes were already held and were left as they were`}.`);
        if (r.problems.length) {
          io.out(`${plural(r.problems.length, 'thing', 'things')} not loaded as the census has them:`);
          for (const p of r.problems) io.out(`  ${p.child}, ${p.element}: ${p.why}`);
        }
        return r.children > 0 || r.episodesAlreadyHeld > 0 ? 0 : 1;
      } catch (err) {
        if (err instanceof CensusImportRefused) {
          io.err(err.message);
          return 2;
        }
        throw err;
      }
    });
  },
};
  return command;
}
