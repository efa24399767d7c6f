import { describe, expect, it } from 'vitest';
import { agency, partnershipWith, practitioner, services } from '../fixtures.ts';
import { useTestDb } from '../db.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { censusOfAgency } from '../../src/statutory-returns/cin/census-from-episodes.ts';
import { importCensus } from '../../src/statutory-returns/cin/census-import.ts';
import { readCensusXml } from '../../src/statutory-returns/cin/census-xml-read.ts';
import { checkCensusXml, writeCensusXml } from '../../src/statutory-returns/cin/census-xml-write.ts';
import type { Census } from '../../src/statutory-returns/cin/census.ts';
import { upnCheckLetter } from '../../src/statutory-returns/cin/upn.ts';
import { assessment, census, child, cinDetails, cinPlan, protectionPlan, section47 } from '../../src/statutory-returns/cin/validation/test-census.ts';

/**
 * Issue 20: a migrating authority's earlier census, loaded with `cin import`, comes back out of
 * `cin export` for the same year with the children, dates and codes the XSD carries.
 */

const upn = (body: string): string => `${upnCheckLetter(body)}${body}`;

/** A 2025–26 census as a case-management system would send it: every element the XSD carries. */
function lastYearsCensus(): Census {
  return census([
    // Mia: assessed, a child in need plan, then a section 47 enquiry, a conference and a plan with two reviews, ended and closed.
    child({
      identifiers: { LAchildID: 'MIA2001', UPN: upn('931200100001'), FormerUPN: upn('931200100002'), UPNunknown: null, PersonBirthDate: '2016-02-11', Sex: 'F' },
      Ethnicity: 'MWBC', Disabilities: ['COMM', 'LD'],
      CINdetails: [cinDetails({
        CINreferralDate: '2025-04-14', ReferralSource: '2A', PrimaryNeedCode: 'N1', CINclosureDate: '2026-03-20', ReasonForClosure: 'RC1', ReferralNFA: '0',
        Assessments: [assessment({ AssessmentActualStartDate: '2025-04-15', AssessmentInternalReviewDate: '2025-05-01', AssessmentAuthorisationDate: '2025-05-16', AssessmentFactors: ['3A', '4B'] })],
        CINPlanDates: [cinPlan({ CINPlanStartDate: '2025-05-16', CINPlanEndDate: '2025-07-10' })],
        Section47: [section47({ S47ActualStartDate: '2025-07-10', InitialCPCtarget: '2025-07-31', DateOfInitialCPC: '2025-07-28', ICPCnotRequired: '0' })],
        ChildProtectionPlans: [protectionPlan({ CPPstartDate: '2025-07-28', CPPendDate: '2026-03-20', InitialCategoryOfAbuse: 'NEG', LatestCategoryOfAbuse: 'NEG', NumberOfPreviousCPP: '0', Reviews: ['2025-10-20', '2026-03-20'] })],
      })],
    }),
    // Noah: referred by the police, no further action.
    child({
      identifiers: { LAchildID: 'NOAH2002', UPNunknown: 'UN1', PersonBirthDate: '2022-09-30', Sex: 'M' },
      Ethnicity: 'WBRI', Disabilities: ['NONE'],
      CINdetails: [cinDetails({ CINreferralDate: '2025-11-03', ReferralSource: '6', PrimaryNeedCode: null, CINclosureDate: '2025-11-04', ReasonForClosure: 'RC8', ReferralNFA: '1' })],
    }),
  ], { ReferenceDate: '2026-03-31', Year: '2026', LEA: '931' });
}

type Flat = Record<string, unknown>;
/** What the XSD carries of each child, with the values Jigsaw works out itself left out. */
function carried(c: Census): Flat[] {
  return [...c.Children].sort((a, b) => String(a.ChildIdentifiers.LAchildID).localeCompare(String(b.ChildIdentifiers.LAchildID))).map((ch) => ({
    ids: { ...ch.ChildIdentifiers },
    Ethnicity: ch.Ethnicity,
    Disabilities: ch.Disabilities,
    episodes: ch.CINdetails.map((d) => ({
      CINreferralDate: d.CINreferralDate, ReferralSource: d.ReferralSource, PrimaryNeedCode: d.PrimaryNeedCode, CINclosureDate: d.CINclosureDate,
      ReasonForClosure: d.ReasonForClosure, ReferralNFA: d.ReferralNFA,
      Assessments: d.Assessments,
      CINPlanDates: d.CINPlanDates,
      Section47: d.Section47.map((s) => ({ S47ActualStartDate: s.S47ActualStartDate, DateOfInitialCPC: s.DateOfInitialCPC, ICPCnotRequired: s.ICPCnotRequired })),
      ChildProtectionPlans: d.ChildProtectionPlans.map((p) => ({ CPPstartDate: p.CPPstartDate, CPPendDate: p.CPPendDate, InitialCategoryOfAbuse: p.InitialCategoryOfAbuse, LatestCategoryOfAbuse: p.LatestCategoryOfAbuse, Reviews: p.Reviews })),
    })),
  }));
}

describe('import then export: an earlier census round-trips', () => {
  const t = useTestDb();

  it('the children, their dates and codes come back as they went in, in a file the XSD accepts', async () => {
    const s = services(t.db(), fixedClock('2026-12-06T10:00:00Z'));
    const p = await partnershipWith(s);
    const csc = await agency(s, p, 'childrens_social_care', 'Northshire Children’s Social Care');
    await t.db().query("UPDATE agency SET local_authority_code = '931' WHERE id = $1", [csc]);
    const officer = await practitioner(s, csc, ['data_officer']);
    const sent = lastYearsCensus();
    const loaded = await importCensus(s, { agencyId: csc, practitionerId: officer.actor.practitionerId, census: sent, source: 'census-2026.xml' });
    expect(loaded.problems).toEqual([]);

    const exported = await t.db().transaction((tx) => censusOfAgency(tx, csc, 2026, new Date('2026-12-06T10:00:00Z')));
    const xml = writeCensusXml(exported.census, 2026);
    expect(await checkCensusXml(xml, 2026)).toMatchObject({ valid: true, problems: [] });
    const back = readCensusXml(xml);
    expect(back.Header).toMatchObject({ ReferenceDate: '2026-03-31', LEA: '931' });
    expect(carried(back)).toEqual(carried(sent));
  });
});
