// The supervisor's console: one page, five views (live calls, a call, search, trends, alert rules); the view and its
// filters live in the URL's query string, so any view can be reloaded, bookmarked or shared.
import { bindAccessKeyField } from '../auth';
import { $, showMessage, type View } from './common';
import { connectHub, liveView } from './live';
import { callView } from './call';
import { searchView } from './search';
import { trendsView } from './trends';
import { rulesView } from './rules';

const views: Record<string, View> = { live: liveView, call: callView, search: searchView, trends: trendsView, rules: rulesView };
let current: string | null = null;

function render() {
  const params = new URLSearchParams(location.search);
  const name = params.get('view') && params.get('view')! in views ? params.get('view')! : 'live';
  if (current && current !== name) views[current].hide?.();
  for (const key of Object.keys(views)) $(`view-${key}`).hidden = key !== name;
  document.querySelectorAll<HTMLAnchorElement>('nav.tabs a').forEach((a) => {
    if (a.dataset.view === name || (name === 'call' && a.dataset.view === 'search')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const changed = current !== name;
  current = name;
  showMessage(null);
  void views[name].show(params);
  if (changed) document.title = `VoiceEmotion · ${name === 'call' ? 'Call' : $(`view-${name}`).querySelector('h2')?.firstChild?.textContent?.trim() ?? name}`;
}

/** Moves to another view (or the same view with other parameters) without reloading. */
export function navigate(search: string, replace = false): void {
  const url = `${location.pathname}${search}`;
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
  render();
void connectHub();
}

// Links within the console (?view=…) change the view in place; the browser's back and forward work as usual.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const a = (event.target as HTMLElement).closest<HTMLAnchorElement>('a[href^="?"]');
  if (!a) return;
  event.preventDefault();
  navigate(a.getAttribute('href')!);
  if (a.closest('nav.tabs') === null) $('main').focus({ preventScroll: true });
});
window.addEventListener('popstate', render);
(window as unknown as { consoleNavigate: typeof navigate }).consoleNavigate = navigate;

bindAccessKeyField(document.getElementById('access-key') as HTMLFormElement | null);
render();
void connectHub();
