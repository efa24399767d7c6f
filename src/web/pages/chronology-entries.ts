import type { ChronologyEntry } from '../../chronology/schemas.ts';
import { escapeHtml as esc, govukTag, ukDateTime, words } from '../view.ts';

/**
 * The chronology page's list of entries, built in code: the same markup, byte for byte, as the
 * Nunjucks loop it replaces (a test compares the page's text for each kind of entry). A child
 * known for years has thousands of entries, and the template's per-entry lookups, filters and
 * output buffering were most of the page's time. Every value is escaped as the templates escape it.
 */
function entryHtml(e: ChronologyEntry, contradicted: boolean): string {
  const about = e.about.relation !== 'subject' ? ` · about ${esc(e.about.name || 'a household member')} (${esc(words(e.about.relation))})` : '';
  let tags = `      ${govukTag(words(e.kind), 'govuk-tag--grey')}\n`
    + `      ${govukTag(words(e.factOrOpinion), e.factOrOpinion === 'fact' ? 'govuk-tag--blue' : 'govuk-tag--purple')}\n`
    + `      ${govukTag(words(e.reportedOrWitnessed), 'govuk-tag--grey')}\n`;
  if (e.backdated) tags += govukTag('Back-dated', 'govuk-tag--yellow');
  if (e.share) tags += govukTag(`Shared by ${e.share.sharedByAgencyName}`, 'govuk-tag--turquoise');
  if (contradicted) tags += govukTag('Contradicted', 'govuk-tag--red');
  if (e.sensitiveCategories.length) tags += govukTag('Sensitive', 'govuk-tag--orange');
  return `  <li class="jigsaw-entry${contradicted ? ' jigsaw-entry--contradicted' : ''}">\n`
    + '    <p class="govuk-body-s jigsaw-entry__meta govuk-!-margin-bottom-1">\n'
    + `      ${esc(ukDateTime(e.occurredAt))} · ${esc(e.agencyName)} · ${esc(e.authorName)}${about}    </p>\n`
    + `    <h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="/records/${esc(e.id)}">${esc(e.summary)}</a></h3>\n`
    + '    <p class="govuk-body-s govuk-!-margin-bottom-1">\n'
    + tags
    + '    </p>\n'
    + (e.details ? `<p class="govuk-body jigsaw-pre govuk-!-margin-bottom-1">${esc(e.details)}</p>` : '')
    + (e.childsWords ? `<p class="govuk-body govuk-!-margin-bottom-1">Child’s words: “${esc(e.childsWords)}”</p>` : '')
    + '  </li>\n';
}

/**
 * The entries' list items, in the chronology's order. An entry is marked as contradicted if a mark
 * names it, or if it is one of the records a contradiction shown on the page is about.
 */
export function chronologyEntriesHtml(entries: readonly ChronologyEntry[], contradicted: ReadonlySet<string>): string {
  let html = '';
  for (const e of entries) html += entryHtml(e, e.contradictionIds.length > 0 || contradicted.has(e.id));
  return html;
}
