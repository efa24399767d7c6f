import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referencePath } from '../../../test/reference.ts';
import { CensusFileError, readCensusXml } from './census-xml-read.ts';
import { censusTables } from './validation/tables.ts';

describe('reading a census file', () => {
  it("reads the DfE's example child as the census writes it", () => {
    const census = readCensusXml(readFileSync(referencePath('cin/example_child_2022.xml'), 'utf8'));
    expect(census.Header.ReferenceDate).toBe('2022-03-31');
    expect(census.Header.LEA).toBe('201');
    const [child] = census.Children;
    expect(child?.ChildIdentifiers).toMatchObject({ LAchildID: 'DfEX0000001', UPN: 'A123456789123', GenderCurrent: '1', PersonDeathDate: '1980-10-08' });
    expect(child?.Ethnicity).toBe('WBRI');
    expect(child?.Disabilities).toEqual(['HAND', 'HEAR']);
    const episode = child?.CINdetails[0];
    expect(episode).toMatchObject({ CINreferralDate: '1970-10-06', ReferralSource: '1A', PrimaryNeedCode: 'N4', ReasonForClosure: 'RC1' });
    expect(episode?.Assessments[0]).toEqual({ AssessmentActualStartDate: '1970-06-03', AssessmentInternalReviewDate: '1970-06-22', AssessmentAuthorisationDate: '1971-07-18', AssessmentFactors: ['2A', '2B'] });
    expect(episode?.Section47[0]?.ICPCnotRequired).toBe('false');
  });

  it("gives the validator's tables their ids: episodes, assessments and plans counted from 1 within each child", () => {
    const census = readCensusXml(readFileSync(referencePath('cin/fake_data/CIN_Census_2026.xml'), 'utf8'));
    const t = censusTables(census);
    expect(t.ChildIdentifiers.map((c) => c.LAchildID)).toEqual(['DfEX0000001', 'child_fails_assessments']);
    expect(t.CINdetails.map((c) => [c.LAchildID, c.CINdetailsID])).toEqual([['DfEX0000001', 1], ['child_fails_assessments', 1]]);
    // An empty FactorsIdentifiedAtAssessment is no factor at all, as the validator reads it.
    expect(t.Assessments.map((a) => a.AssessmentFactors)).toEqual([['1C', 'RB', '6B'], null]);
    expect(t.Reviews).toEqual([{ LAchildID: 'DfEX0000001', CINdetailsID: 1, CPPID: 1, CPPreviewDate: '2023-02-15' }]);
  });

  it("keeps every review date of a plan, and gives the validator's tables the first of each Reviews element, as it reads them", () => {
    const census = readCensusXml(`<Message><Header/><Children><Child><ChildIdentifiers><LAchildID>A1</LAchildID></ChildIdentifiers>
      <CINdetails><ChildProtectionPlans><CPPstartDate>2025-06-01</CPPstartDate>
      <Reviews><CPPreviewDate>2025-08-20</CPPreviewDate><CPPreviewDate>2026-02-18</CPPreviewDate></Reviews>
      </ChildProtectionPlans></CINdetails></Child></Children></Message>`);
    expect(census.Children[0]?.CINdetails[0]?.ChildProtectionPlans[0]?.Reviews).toEqual(['2025-08-20', '2026-02-18']);
    expect(censusTables(census).Reviews.map((r) => r.CPPreviewDate)).toEqual(['2025-08-20']);
  });

  it('answers a file that is not XML, or not a census, with a CensusFileError naming the line', () => {
    expect(() => readCensusXml('<Message><Children>')).toThrow(CensusFileError);
    expect(() => readCensusXml('not xml at all')).toThrow(CensusFileError);
    expect(() => readCensusXml('<Other/>')).toThrow(/no Message element/);
  });

  it('reads any well-formed XML without throwing anything but a CensusFileError', () => {
    const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('2025-02-30', '', '\u0000', '&amp;', '<![CDATA[x]]>'));
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('LAchildID', 'CINdetails', 'Assessments', 'FactorsIdentifiedAtAssessment', 'AssessmentFactors', 'Disabilities', 'Reviews', 'Child'), leaf), { maxLength: 8 }), (parts) => {
      const body = parts.map(([tag, value]) => `<${tag}>${value.replace(/[<&]/g, '')}</${tag}>`).join('');
      try {
        const census = readCensusXml(`<Message><Header/><Children><Child>${body}</Child></Children></Message>`);
        censusTables(census);
      } catch (e) {
        if (!(e instanceof CensusFileError)) throw e;
      }
    }));
  });
});
