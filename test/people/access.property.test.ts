import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/access/policy.ts';
import { listPractitionerTokens } from '../../src/auth/api-tokens.ts';
import { sendNewInvitation } from '../../src/partnership/invitations.ts';
import { deactivatePractitioner } from '../../src/partnership/leavers.ts';
import { changePractitioner, getPractitioner } from '../../src/partnership/movers.ts';
import { peopleSettings } from '../../src/partnership/people-settings.ts';
import type { ActorContext } from '../../src/shared/context.ts';
import { Problem } from '../../src/shared/errors.ts';
import { useTestDb } from '../db.ts';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';

/**
 * Who may manage a practitioner, over random roles and agencies: only an administrator of the
 * practitioner's own agency; everyone else is answered exactly as for a practitioner that does
 * not exist (404), by every operation alike, and nothing changes.
 */
describe('managing a practitioner: only their own agency\'s administrator', () => {
  const t = useTestDb();

  it('any other caller, whatever their roles, gets the same 404 from every operation, and the practitioner is unchanged', async () => {
    const s = services(t.db());
    const p = await partnershipWith(s);
    const agencies = [await agency(s, p, 'childrens_social_care'), await agency(s, p, 'school')];
    const target = await practitioner(s, agencies[0]!, ['social_worker'], 'Rachel Dunn');
    const settings = peopleSettings({});
    const status = async (f: () => Promise<unknown>): Promise<number> => {
      try {
        await f();
        return 200;
      } catch (err) {
        if (err instanceof Problem) return err.status;
        throw err;
      }
    };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.subarray([...ROLES] as Role[], { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 1 }), async (roles, which) => {
        const caller: ActorContext = await practitioner(s, agencies[which]!, roles);
        const mayManage = which === 0 && roles.includes('administrator');
        const answers = [
          await status(() => getPractitioner(caller, target.actor.practitionerId)),
          await status(() => listPractitionerTokens(caller, target.actor.practitionerId)),
          await status(() => changePractitioner(caller, target.actor.practitionerId, { jobTitle: `Title ${++run}`, reason: 'Property test' })),
          await status(() => sendNewInvitation(caller, target.actor.practitionerId, settings)),
        ];
        if (mayManage) expect(answers).toEqual([200, 200, 200, 200]);
        else {
          expect(answers).toEqual([404, 404, 404, 404]);
          expect(await status(() => deactivatePractitioner(caller, target.actor.practitionerId, { reason: 'Property test' }))).toBe(404);
        }
        const still = await s.db.query<{ active: boolean }>('SELECT active FROM practitioner WHERE id = $1', [target.actor.practitionerId]);
        expect(still.rows[0]!.active).toBe(true);
      }),
      { numRuns: 30, seed: 19 },
    );
  }, 120_000);
});
