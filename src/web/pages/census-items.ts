import { CASEWORK_ROLES } from '../../access/policy.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActorContext } from '../../shared/context.ts';
import { getChildCensus, getEpisodeCensus, putChildCensus, putEpisodeCensus } from '../../statutory-returns/cin/census-items.ts';
import { ChildCensusInput, EpisodeCensusInput, type ChildCensus, type EpisodeCensus } from '../../statutory-returns/cin/census-items.schemas.ts';
import {
  ASSESSMENT_FACTOR_CODES, CLOSURE_REASON_CODES, codeDescription, DISABILITY_CODES, ETHNICITY_CODES, PRIMARY_NEED_CODES, REFERRAL_SOURCE_CODES, UPN_UNKNOWN_CODES,
} from '../../statutory-returns/cin/codes.ts';
import { calendarDate, dateParts, emptyDate, FormErrors, formOf, list, parseForm, str, validationProblem, type DateParts, type FormBody } from '../forms.ts';
import { ukDate } from '../view.ts';
import { safely, type Web } from '../web.ts';

/**
 * The census details pages (issue 20): /people/{id}/census and /episodes/{id}/census. The data
 * team's list of census problems links to each field by its id (#ethnicity, #upn, #la-child-id,
 * #referral-source, #assessment-<seq>-factors …): those ids are a contract. The pages show only
 * the child's name, date of birth and the census items, so the data officer, who does no casework,
 * can correct them; the service decides who may (anyone else is told the page does not exist).
 */

type IdParams = { id: string };
interface Code { code: string; description: string }

const NOT_RECORDED = 'Not recorded';
/** The DfE's words, with the code after them: the data team reads codes in the validator's report. */
const choice = (c: Code): { value: string; text: string } => ({ value: c.code, text: `${c.description || c.code} (${c.code})` });
const select = (codes: readonly Code[], value: string | null | undefined) =>
  [{ value: '', text: NOT_RECORDED }, ...codes.map(choice)].map((i) => ({ ...i, selected: i.value === (value ?? '') }));

const partsOf = (date: string | null | undefined): DateParts => {
  if (!date) return { day: '', month: '', year: '' };
  const [year, month, day] = date.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year: year! };
};

/** A date input that may be left empty ("not recorded"): its value, null, or an error on the form. */
function optionalDate(errors: FormErrors, parts: DateParts, field: string, what: string): string | null | undefined {
  if (emptyDate(parts)) return null;
  const d = calendarDate(parts, what);
  if (d.error) errors.add(field, d.error, `#${field}-day`);
  return d.value;
}

/** Runs the service; a 422 becomes errors on the form (each pointer to its field), anything else is thrown. */
async function attempt(errors: FormErrors, map: Record<string, string>, fallback: string, run: () => Promise<void>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err) {
    const p = validationProblem(err);
    if (!p) throw err;
    for (const e of p.errors) {
      const key = Object.keys(map).sort((a, b) => b.length - a.length).find((k) => e.pointer === k || e.pointer.startsWith(`${k}/`));
      const field = key ? map[key]! : fallback;
      errors.add(field, e.detail, field === 'date-of-death' || field.endsWith('-review') ? `#${field}-day` : `#${field}`);
    }
    return false;
  }
}

const CHILD_FIELDS: Record<string, string> = {
  '/ethnicity': 'ethnicity', '/disabilities': 'disabilities', '/upn': 'upn', '/formerUpn': 'former-upn', '/upnUnknown': 'upn-unknown', '/laChildId': 'la-child-id', '/dateOfDeath': 'date-of-death',
};

export function registerCensusItemPages(web: Web): void {
  const { app } = web;
  // Back to the casework page for those who do casework; the data officer reads none, so back to the census.
  const back = (request: FastifyRequest, casework: string): string => (web.roles(request).some((r) => CASEWORK_ROLES.includes(r)) ? casework : '/returns/cin');

  const childPage = async (request: FastifyRequest, reply: FastifyReply, census: ChildCensus, values: FormBody, errors?: FormErrors): Promise<FastifyReply> => {
    const data = {
      pageTitle: 'Census details', census, backLink: back(request, `/people/${census.personId}`),
      ethnicities: select(ETHNICITY_CODES, str(values, 'ethnicity')),
      upnUnknownReasons: select(UPN_UNKNOWN_CODES, str(values, 'upn-unknown')).map((i) => (i.value === '' ? { ...i, text: 'Not recorded, or the child has a UPN' } : i)),
      // "No disability" first and on its own: the census refuses it beside another code (rule 8790).
      disabilities: [
        ...DISABILITY_CODES.filter((c) => c.code === 'NONE').map((c) => ({ value: c.code, text: 'No disability', behaviour: 'exclusive', checked: list(values, 'disabilities').includes(c.code) })),
        ...DISABILITY_CODES.filter((c) => c.code !== 'NONE').map((c) => ({ ...choice(c), checked: list(values, 'disabilities').includes(c.code) })),
      ],
      values: { ...values, dateOfDeath: dateParts(values, 'date-of-death') },
      successBanner: (request.query as { done?: string } | undefined)?.done === 'saved' ? 'The census details have been saved.' : undefined,
    };
    return errors?.any ? web.renderErrors(request, reply, 'census/child.njk', errors, data) : web.render(request, reply, 'census/child.njk', { ...data, errors: {}, errorList: [] });
  };

  const childValues = (c: ChildCensus): FormBody => ({
    ethnicity: c.ethnicity ?? '', disabilities: c.disabilities ?? [], upn: c.upn ?? '', 'former-upn': c.formerUpn ?? '', 'upn-unknown': c.upnUnknown ?? '', 'la-child-id': c.laChildId ?? '',
    ...((p) => ({ 'date-of-death-day': p.day, 'date-of-death-month': p.month, 'date-of-death-year': p.year }))(partsOf(c.dateOfDeath)),
  });

  app.get<{ Params: IdParams }>('/people/:id/census', async (request, reply) => {
    const census = await getChildCensus(web.ctx(request), request.params.id);
    return childPage(request, reply, census, childValues(census));
  });

  app.post<{ Params: IdParams }>('/people/:id/census', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = { ...formOf(request.body), _csrf: undefined };
    const errors = new FormErrors();
    const dateOfDeath = optionalDate(errors, dateParts(f, 'date-of-death'), 'date-of-death', 'The date of death');
    const orNull = (name: string): string | null => str(f, name) || null;
    const ok = !errors.any && await attempt(errors, CHILD_FIELDS, 'ethnicity', async () => {
      const input = parseForm(ChildCensusInput, {
        ethnicity: orNull('ethnicity'), disabilities: list(f, 'disabilities').length ? list(f, 'disabilities') : null, upn: orNull('upn'), formerUpn: orNull('former-upn'),
        upnUnknown: orNull('upn-unknown'), laChildId: orNull('la-child-id'), dateOfDeath: dateOfDeath ?? null,
      });
      await putChildCensus(ctx, request.params.id, input);
    });
    if (ok) return reply.redirect(`/people/${request.params.id}/census?done=saved`, 303);
    return childPage(request, reply, await getChildCensus(ctx, request.params.id), f, errors);
  });

  const episodePage = async (request: FastifyRequest, reply: FastifyReply, census: EpisodeCensus, values: FormBody, errors?: FormErrors): Promise<FastifyReply> => {
    const data = {
      pageTitle: 'Census details of the episode', census, backLink: back(request, `/episodes/${census.episodeId}`),
      referralSources: select(REFERRAL_SOURCE_CODES, str(values, 'referral-source')),
      primaryNeeds: select(PRIMARY_NEED_CODES, str(values, 'primary-need')),
      closureReasons: select(CLOSURE_REASON_CODES, str(values, 'closure-reason')),
      assessments: census.assessments.map((a) => ({
        ...a,
        factors: ASSESSMENT_FACTOR_CODES.map((c) => ({ ...choice(c), checked: list(values, `assessment-${a.seq}-factors`).includes(c.code) })),
        review: dateParts(values, `assessment-${a.seq}-review`),
      })),
      successBanner: (request.query as { done?: string } | undefined)?.done === 'saved' ? 'The census details have been saved.' : undefined,
    };
    return errors?.any ? web.renderErrors(request, reply, 'census/episode.njk', errors, data) : web.render(request, reply, 'census/episode.njk', { ...data, errors: {}, errorList: [] });
  };

  const episodeValues = (c: EpisodeCensus): FormBody => {
    const v: FormBody = { 'referral-source': c.referralSource ?? '', 'primary-need': c.primaryNeed ?? '', 'closure-reason': c.closureReason ?? '' };
    for (const a of c.assessments) {
      v[`assessment-${a.seq}-factors`] = a.factors;
      const p = partsOf(a.internalReviewOn);
      Object.assign(v, { [`assessment-${a.seq}-review-day`]: p.day, [`assessment-${a.seq}-review-month`]: p.month, [`assessment-${a.seq}-review-year`]: p.year });
    }
    return v;
  };

  app.get<{ Params: IdParams }>('/episodes/:id/census', async (request, reply) => {
    const census = await getEpisodeCensus(web.ctx(request), request.params.id);
    return episodePage(request, reply, census, episodeValues(census));
  });

  app.post<{ Params: IdParams }>('/episodes/:id/census', async (request, reply) => {
    const ctx = web.ctx(request);
    const f = { ...formOf(request.body), _csrf: undefined };
    const current = await getEpisodeCensus(ctx, request.params.id);
    const errors = new FormErrors();
    const map: Record<string, string> = { '/referralSource': 'referral-source', '/primaryNeed': 'primary-need', '/closureReason': 'closure-reason' };
    const assessments = current.assessments.map((a, i) => {
      map[`/assessments/${i}/factors`] = `assessment-${a.seq}-factors`;
      map[`/assessments/${i}/internalReviewOn`] = `assessment-${a.seq}-review`;
      return { seq: a.seq, factors: list(f, `assessment-${a.seq}-factors`), internalReviewOn: optionalDate(errors, dateParts(f, `assessment-${a.seq}-review`), `assessment-${a.seq}-review`, 'The internal review date') ?? null };
    });
    const orNull = (name: string): string | null => str(f, name) || null;
    const ok = !errors.any && await attempt(errors, map, 'referral-source', async () => {
      const input = parseForm(EpisodeCensusInput, {
        referralSource: orNull('referral-source'), primaryNeed: orNull('primary-need'), ...(current.closedAt ? { closureReason: orNull('closure-reason') } : {}), assessments,
      });
      await putEpisodeCensus(ctx, request.params.id, input);
    });
    if (ok) return reply.redirect(`/episodes/${request.params.id}/census?done=saved`, 303);
    return episodePage(request, reply, current, f, errors);
  });
}

/** The child's page's "Census details" card (children's social care only): the items in words, or undefined when the caller may not see them. */
export async function censusSummary(ctx: ActorContext, personId: string): Promise<{ href: string; rows: { key: { text: string }; value: { text: string } }[] } | undefined> {
  const c = await safely(() => getChildCensus(ctx, personId));
  if (!c) return undefined;
  const row = (key: string, text: string) => ({ key: { text: key }, value: { text } });
  const upnText = c.upn ?? (c.upnUnknown ? `No UPN: ${codeDescription(UPN_UNKNOWN_CODES, c.upnUnknown)}` : NOT_RECORDED);
  return {
    href: `/people/${personId}/census`,
    rows: [
      row('Ethnicity', codeDescription(ETHNICITY_CODES, c.ethnicity) ?? NOT_RECORDED),
      row('Disabilities', c.disabilities ? c.disabilities.map((d) => (d === 'NONE' ? 'No disability' : codeDescription(DISABILITY_CODES, d))).join(', ') : NOT_RECORDED),
      row('Unique pupil number', upnText),
      row('Authority’s child identifier', c.laChildId ?? NOT_RECORDED),
      ...(c.dateOfDeath ? [row('Date of death', ukDate(c.dateOfDeath))] : []),
    ],
  };
}

/** A question of an episode action's form (the shape process.ts describes its fields in). */
export interface ActionField {
  name: string;
  type: 'select' | 'checkboxes' | 'date';
  label: string;
  hint?: string;
  items?: readonly { value: string; text: string }[];
  when?: (v: FormBody) => boolean;
  section?: string;
}

/**
 * The census items on the episode's action forms (issue 20): the primary need at the referral
 * decision, the factors and internal review date of a completed assessment, the reason for closure
 * on a form whose action can close the case. All optional: the data team's page lists what is
 * missing, and the census details page corrects it later.
 */
type Asked = { fields: ActionField[]; build: (v: FormBody) => Record<string, unknown> };
export function censusActionFields(): { primaryNeed: Asked; assessment: Asked; closure: (closes: (v: FormBody) => boolean) => Asked } {
  const codes = (list: readonly Code[]) => list.map(choice);
  const fields = (...f: ActionField[]): ActionField[] => f;
  const given = (v: FormBody, name: string): string | undefined => str(v, name) || undefined;
  return {
    primaryNeed: {
      fields: fields({ name: 'primaryNeed', type: 'select', label: 'Primary need (optional)', hint: 'The main reason the child needs children’s social care, for the Children in Need census', items: codes(PRIMARY_NEED_CODES) }),
      build: (v) => ({ primaryNeed: given(v, 'primaryNeed') }),
    },
    assessment: {
      fields: fields(
        { name: 'factors', type: 'checkboxes', label: 'Factors identified at the assessment (optional)', hint: 'For the Children in Need census: select all that apply', items: codes(ASSESSMENT_FACTOR_CODES) },
        { name: 'internalReviewOn', type: 'date', label: 'Date of the internal review (optional)', hint: 'When the assessment was authorised, for example 27 3 2026' },
      ),
      build: (v) => {
        const day = calendarDate(dateParts(v, 'internalReviewOn'), 'The internal review date').value;
        return { factors: list(v, 'factors').length ? list(v, 'factors') : undefined, internalReviewOn: day };
      },
    },
    closure: (closes) => ({
      fields: fields({ name: 'closureReason', type: 'select', label: 'If the case closes: the reason for closure (optional)', hint: 'For the Children in Need census', items: codes(CLOSURE_REASON_CODES), when: closes }),
      build: (v) => (closes(v) ? { closureReason: given(v, 'closureReason') } : {}),
    }),
  };
}

/** Choices for the census items on the referral's page (accepting it, deciding it), in the DfE's words. */
export const CENSUS_CHOICES = {
  referralSources: [{ value: '', text: 'Choose where the referral came from' }, ...REFERRAL_SOURCE_CODES.map(choice)],
  primaryNeeds: [{ value: '', text: NOT_RECORDED }, ...PRIMARY_NEED_CODES.map(choice)],
  closureReasons: [{ value: '', text: 'The case stays open, or not recorded' }, ...CLOSURE_REASON_CODES.map(choice)],
};
