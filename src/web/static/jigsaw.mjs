// Progressive enhancement only: every page works without it.
import { initAll } from '/govuk/govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();

// govuk-frontend marks radios that reveal more questions with aria-expanded, which WAI-ARIA does not
// allow on a radio (axe-core: aria-allowed-attr). The revealed questions follow the radio and are
// announced in reading order, so the attribute is dropped whenever it is set.
const dropExpanded = (el) => {
  if (el instanceof HTMLInputElement && el.type === 'radio' && el.hasAttribute('aria-expanded')) el.removeAttribute('aria-expanded');
};
document.querySelectorAll('input[type="radio"][aria-expanded]').forEach(dropExpanded);
new MutationObserver((changes) => changes.forEach((c) => dropExpanded(c.target)))
  .observe(document.body, { attributes: true, attributeFilter: ['aria-expanded'], subtree: true });

// Session timeout warning: the page says when the session ends; shortly before, warn and offer to stay.
const box = document.querySelector('.jigsaw-timeout');
if (box) {
  const warning = box.querySelector('.jigsaw-timeout__warning');
  const message = box.querySelector('.jigsaw-timeout__message');
  const stay = box.querySelector('.jigsaw-timeout__stay');
  const warnMs = Number(box.getAttribute('data-warn-seconds') || '120') * 1000;
  let endsAt = new Date(box.getAttribute('data-ends-at') || '').getTime();
  let timer;
  const tick = () => {
    const left = endsAt - Date.now();
    if (left <= 0) {
      window.location.assign('/sign-in?timeout=1');
      return;
    }
    if (left <= warnMs) {
      const minutes = Math.max(1, Math.ceil(left / 60000));
      message.textContent = `You will be signed out in ${minutes} minute${minutes === 1 ? '' : 's'} because you have not done anything. Anything you have not saved will be lost.`;
      if (warning.hidden) {
        warning.hidden = false;
        stay.focus();
      }
    }
    timer = window.setTimeout(tick, 15000);
  };
  stay.addEventListener('click', async () => {
    const res = await fetch('/session/keep-alive', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) {
      window.location.assign('/sign-in?timeout=1');
      return;
    }
    const body = await res.json();
    endsAt = new Date(body.endsAt).getTime();
    warning.hidden = true;
    window.clearTimeout(timer);
    tick();
  });
  if (!Number.isNaN(endsAt)) tick();
}
