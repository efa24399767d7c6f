import nunjucks from 'nunjucks';

/**
 * GOV.UK date inputs with nothing in them, rendered once per process (issue 21: "cache what is the
 * same for everyone"). GOV.UK Frontend's date input is the dearest of its macros — a fieldset, a
 * hint and three inputs, each an include of its own — at about 0.37 ms a call; the chronology's
 * filters show two and the find page one on every view, almost always empty. An empty date input
 * depends only on its parameters (id, name prefix, legend, hint, classes), never on who asks, so its
 * HTML is kept per set of parameters. One with a value or an error is rendered each time, as before:
 * nothing anyone typed is kept.
 *
 * The loader serves GOV.UK's own date-input macro with one step in front: when the parameters
 * describe an empty control, the kept HTML (made by GOV.UK's own template.njk); otherwise the
 * template included exactly as GOV.UK's macro does. test/web/blank-controls.test.ts renders every
 * GOV.UK fixture of the component both ways.
 */

const DATE_INPUT_MACRO = /[\\/]govuk[\\/]components[\\/]date-input[\\/]macro\.njk$/;
/** GOV.UK's macro.njk for the date input, with the empty case answered from the kept HTML. */
const DATE_INPUT_SOURCE = '{% macro govukDateInput(params) %}{% if blankDateInput(params) %}{{ keptDateInput(params) }}{% else %}{%- include "./template.njk" -%}{% endif %}{% endmacro %}';
/** Different empty date inputs a process keeps at most (the pages have a few dozen). */
const MAX_KEPT = 200;

type Item = { value?: unknown; error?: unknown; classes?: string };
type Params = { errorMessage?: unknown; values?: Record<string, unknown>; items?: Item[]; day?: Item; month?: Item; year?: Item };

const empty = (v: unknown): boolean => v === undefined || v === null || v === '';

/** Nothing typed and no error: the control looks the same for everyone. */
export function isBlankDateInput(params: Params | undefined): boolean {
  if (!params || typeof params !== 'object' || !empty(params.errorMessage)) return false;
  if (params.values && Object.values(params.values).some((v) => !empty(v))) return false;
  const items = [...(Array.isArray(params.items) ? params.items : []), params.day, params.month, params.year];
  return items.every((i) => i === undefined || i === null || (typeof i === 'object' && empty(i.value) && empty(i.error) && !(typeof i.classes === 'string' && i.classes.includes('govuk-input--error'))));
}

export class BlankControlLoader extends nunjucks.FileSystemLoader {
  override getSource(name: string): nunjucks.LoaderSource {
    const source = super.getSource(name);
    return source && DATE_INPUT_MACRO.test(source.path) ? { ...source, src: DATE_INPUT_SOURCE } : source;
  }
}

/** The globals the served macro calls, for one environment (its templates render the kept HTML). */
export function addBlankControls(env: nunjucks.Environment): void {
  const kept = new Map<string, string>();
  env.addGlobal('blankDateInput', isBlankDateInput);
  env.addGlobal('keptDateInput', (params: Params) => {
    const key = JSON.stringify(params);
    let html = kept.get(key);
    if (html === undefined) {
      // GOV.UK's template, as its macro includes it (the macro's frame holds only `params`).
      html = env.render('govuk/components/date-input/template.njk', { params });
      if (kept.size >= MAX_KEPT) kept.clear();
      kept.set(key, html);
    }
    return new nunjucks.runtime.SafeString(html);
  });
}
