import type { ChronologyEntry } from '../../chronology/schemas.ts';
import { escapeHtml as esc, govukTag, ukDateTime, words } from '../view.ts';

/**
 * The chronology page's list of entries, built in code: the same markup, byte for byte, as the
 * Nunjucks loop it replaces (a test compares the page's text for each kind of entry). A child
 * known for years has thousands of entries, and the template's per-entry lookups, filters and
 * output buffering were most of the page's time. Every value is escaped as the templates escape it.
 */

/** A function's answers kept for one page: thousands of entries repeat a few agencies, authors and tags. */
function remembered(f: (text: string) => string): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    let out = seen.get(text);
    if (out === undefined) seen.set(text, (out = f(text)));
    return out;
  };
}

/** Writes one entry's list item; a new writer for each page, so what it remembers goes with the page. */
function entryWriter(): (e: ChronologyEntry, contradicted: boolean) => string {
  const text = remembered(esc);
  const grey = remembered((t) => govukTag(words(t), 'govuk-tag--grey'));
  const factOrOpinion = remembered((t) => govukTag(words(t), t === 'fact' ? 'govuk-tag--blue' : 'govuk-tag--purple'));
  const sharedBy = remembered((agency) => govukTag(`Shared by ${agency}`, 'govuk-tag--turquoise'));
  const relation = remembered((r) => esc(words(r)));
  const BACKDATED = govukTag('Back-dated', 'govuk-tag--yellow');
  const CONTRADICTED = govukTag('Contradicted', 'govuk-tag--red');
  const SENSITIVE = govukTag('Sensitive', 'govuk-tag--orange');
  return (e, contradicted) => {
    const about = e.about.relation !== 'subject' ? ` · about ${text(e.about.name || 'a household member')} (${relation(e.about.relation)})` : '';
    let tags = `      ${grey(e.kind)}\n      ${factOrOpinion(e.factOrOpinion)}\n      ${grey(e.reportedOrWitnessed)}\n`;
    if (e.backdated) tags += BACKDATED;
    if (e.share) tags += sharedBy(e.share.sharedByAgencyName);
    if (contradicted) tags += CONTRADICTED;
    if (e.sensitiveCategories.length) tags += SENSITIVE;
    return `  <li class="jigsaw-entry${contradicted ? ' jigsaw-entry--contradicted' : ''}">\n`
      + '    <p class="govuk-body-s jigsaw-entry__meta govuk-!-margin-bottom-1">\n'
      + `      ${esc(ukDateTime(e.occurredAt))} · ${text(e.agencyName)} · ${text(e.authorName)}${about}    </p>\n`
      + `    <h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="/records/${esc(e.id)}">${esc(e.summary)}</a></h3>\n`
      + '    <p class="govuk-body-s govuk-!-margin-bottom-1">\n'
      + tags
      + '    </p>\n'
      + (e.details ? `<p class="govuk-body jigsaw-pre govuk-!-margin-bottom-1">${esc(e.details)}</p>` : '')
      + (e.childsWords ? `<p class="govuk-body govuk-!-margin-bottom-1">Child’s words: “${esc(e.childsWords)}”</p>` : '')
      + '  </li>\n';
  };
}

/**
 * The entries' list items, in the chronology's order. An entry is marked as contradicted if a mark
 * names it, or if it is one of the records a contradiction shown on the page is about.
 */
export function chronologyEntriesHtml(entries: readonly ChronologyEntry[], contradicted: ReadonlySet<string>): string {
  const entryHtml = entryWriter();
  let html = '';
  for (const e of entries) html += entryHtml(e, e.contradictionIds.length > 0 || contradicted.has(e.id));
  return html;
}
