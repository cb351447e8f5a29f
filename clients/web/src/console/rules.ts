// Alert rules: the rules in force (supervisors), and a form to add, change or delete one (admins). The server
// validates; its message names the field, which is marked invalid and focused.
import { ApiRequestError, deleteAlertRule, LABELS, listAlertRules, saveAlertRule, type AlertRuleInput, type AlertRuleRecord } from '@voiceemotion/client';
import { escapeHtml } from '../emotions';
import { $, problem, rest, type View } from './common';

const form = $<HTMLFormElement>('rule-form');
const FIELDS = ['name', 'emotion', 'threshold', 'sustainedSeconds', 'scopeLabel', 'scopeQueue'] as const;
let rules: AlertRuleRecord[] = [];

form.querySelector<HTMLSelectElement>('[name=emotion]')!.innerHTML = LABELS.map((l) => `<option>${l}</option>`).join('');
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;

function error(text: string | null, fieldName?: string) {
  const el = $('rule-error');
  el.hidden = !text;
  el.textContent = text ?? '';
  for (const f of FIELDS) field(f).removeAttribute('aria-invalid');
  if (fieldName) { field(fieldName).setAttribute('aria-invalid', 'true'); field(fieldName).focus(); }
}

/** The form as a rule; blank numbers are sent as null, so the server names the missing field. */
function fromForm(): AlertRuleInput {
  const number = (k: string) => (field(k).value.trim() === '' ? null : Number(field(k).value));
  const text = (k: string) => field(k).value.trim() || null;
  return { name: field('name').value.trim(), emotion: field('emotion').value, threshold: number('threshold') as number, sustainedSeconds: number('sustainedSeconds') as number, scopeLabel: text('scopeLabel'), scopeQueue: text('scopeQueue') };
}

function edit(rule: AlertRuleRecord) {
  for (const f of FIELDS) field(f).value = rule[f] === null || rule[f] === undefined ? '' : String(rule[f]);
  error(null);
  $('rule-done').textContent = `Editing ${rule.name}.`;
  field('threshold').focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const rule = fromForm();
  error(null);
  if (!rule.name) { error('name is required: 1–64 letters, digits, ".", "_" or "-"', 'name'); return; }
  const exists = rules.some((r) => r.name === rule.name);
  try {
    const saved = await saveAlertRule(rule, exists, rest);
    $('rule-done').textContent = `Saved ${saved.name}: in force on live calls from their next update.`;
    await load();
  } catch (err) {
    const named = err instanceof ApiRequestError && err.code === 'bad_rule' ? FIELDS.find((f) => err.message.startsWith(f) || err.message.includes(`'${f}'`)) : undefined;
    error(problem(err, 'admin'), named);
  }
});
form.addEventListener('reset', () => { error(null); $('rule-done').textContent = ''; });

async function remove(name: string) {
  if (!confirm(`Delete the alert rule ${name}?`)) return;
  try {
    await deleteAlertRule(name, rest);
    $('rule-done').textContent = `Deleted ${name}.`;
    await load();
  } catch (e) { error(problem(e, 'admin')); }
}

async function load() {
  const body = $('rules').querySelector('tbody')!;
  try {
    rules = await listAlertRules(rest);
  } catch (e) {
    body.innerHTML = `<tr><td colspan="7">${escapeHtml(problem(e, 'supervisor'))}</td></tr>`;
    return;
  }
  body.innerHTML = rules.map((r, i) => `<tr data-rule="${escapeHtml(r.name)}" data-testid="rule-row"><th scope="row">${escapeHtml(r.name)}</th><td>${escapeHtml(r.emotion)}</td>
    <td>≥ ${r.threshold}</td><td>${r.sustainedSeconds} s</td><td>${[r.scopeLabel && `label ${escapeHtml(r.scopeLabel)}`, r.scopeQueue && `queue ${escapeHtml(r.scopeQueue)}`].filter(Boolean).join(' and ') || 'every call'}</td>
    <td class="small col-changed">${escapeHtml(r.updatedBy ?? '')}${r.updatedAt ? ` ${new Date(r.updatedAt).toLocaleString()}` : ''}</td>
    <td><button type="button" class="secondary" data-edit="${i}" aria-label="edit ${escapeHtml(r.name)}">Edit</button> <button type="button" class="secondary danger" data-delete="${i}" aria-label="delete ${escapeHtml(r.name)}">Delete</button></td></tr>`).join('')
    || '<tr><td colspan="7">No rules: no alerts are raised.</td></tr>';
  body.querySelectorAll<HTMLButtonElement>('[data-edit]').forEach((b) => b.addEventListener('click', () => edit(rules[Number(b.dataset.edit)])));
  body.querySelectorAll<HTMLButtonElement>('[data-delete]').forEach((b) => b.addEventListener('click', () => void remove(rules[Number(b.dataset.delete)].name)));
}

export const rulesView = { show: () => load() } satisfies View;
