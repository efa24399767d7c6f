import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { addBlankControls, BlankControlLoader, isBlankDateInput } from '../../src/web/blank-controls.ts';
import { GOVUK_DIST, renderView, VIEW_OPTIONS, VIEWS_DIR } from '../../src/web/view.ts';

/**
 * Issue 21: empty GOV.UK date inputs are rendered once per process (src/web/blank-controls.ts).
 * What a user would notice if it were wrong is a form that looks or behaves differently, so every
 * fixture GOV.UK Frontend publishes for the component is rendered both ways, twice (the second from
 * what was kept), and must be the same HTML; and a date someone typed must never come back on
 * another page.
 */

type Fixture = { name: string; options: Record<string, unknown> };
const fixtures = (JSON.parse(readFileSync(join(GOVUK_DIST, 'govuk/components/date-input/fixtures.json'), 'utf8')) as { fixtures: Fixture[] }).fixtures;
const CALL = '{% from "govuk/components/date-input/macro.njk" import govukDateInput %}{{ govukDateInput(params) }}';

function environments(): { govuk: nunjucks.Environment; kept: nunjucks.Environment } {
  const govuk = new nunjucks.Environment([new nunjucks.FileSystemLoader([VIEWS_DIR, GOVUK_DIST])], VIEW_OPTIONS);
  const kept = new nunjucks.Environment([new BlankControlLoader([VIEWS_DIR, GOVUK_DIST])], VIEW_OPTIONS);
  addBlankControls(kept);
  return { govuk, kept };
}

describe('empty GOV.UK date inputs, rendered once', () => {
  it(`renders each of GOV.UK Frontend's ${fixtures.length} date-input fixtures exactly as GOV.UK's macro does, kept or not`, () => {
    const { govuk, kept } = environments();
    let blank = 0;
    for (const f of fixtures) {
      const expected = govuk.renderString(CALL, { params: f.options });
      expect(kept.renderString(CALL, { params: f.options }), f.name).toBe(expected);
      expect(kept.renderString(CALL, { params: f.options }), `${f.name}, again`).toBe(expected);
      if (isBlankDateInput(f.options)) blank++;
    }
    // Both paths are exercised: the kept HTML and GOV.UK's template for a control holding a value or an error.
    expect(blank).toBeGreaterThan(10);
    expect(fixtures.length - blank).toBeGreaterThan(10);
  });

  it('a date typed on one page is never shown on another’s empty control', () => {
    const { kept } = environments();
    const items = (value: string) => [{ name: 'day', value }, { name: 'month', value: '' }, { name: 'year', value: '' }];
    const typed = kept.renderString(CALL, { params: { id: 'dob', namePrefix: 'dob', items: items('17') } });
    expect(typed).toContain('value="17"');
    const blank = kept.renderString(CALL, { params: { id: 'dob', namePrefix: 'dob', items: items('') } });
    expect(blank).not.toContain('value="17"');
    expect(isBlankDateInput({ items: items('17') })).toBe(false);
    expect(isBlankDateInput({ values: { day: '3' } })).toBe(false);
    expect(isBlankDateInput({ errorMessage: { text: 'Enter a real date' } })).toBe(false);
    expect(isBlankDateInput({ items: [{ value: '', classes: 'govuk-input--width-2 govuk-input--error' }] })).toBe(false);
  });

  it('the find page’s empty date of birth is GOV.UK’s markup, and comes back filled when a date was typed', () => {
    const page = (dob: { day: string; month: string; year: string }) => renderView('people/find.njk', { pageTitle: 'Find a person', values: { dob }, errors: {}, errorList: [], notices: {} });
    const empty = page({ day: '', month: '', year: '' });
    expect(empty).toContain('<input class="govuk-input govuk-date-input__input govuk-input--width-2" id="dob-day" name="dob-day" type="text" value="" inputmode="numeric">');
    expect(page({ day: '27', month: '3', year: '2019' })).toContain('id="dob-day" name="dob-day" type="text" value="27" inputmode="numeric">');
    expect(page({ day: '', month: '', year: '' })).toBe(empty);
  });
});
