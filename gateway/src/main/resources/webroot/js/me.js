// Who is signed in, in which workspace and with which role: read once per session and workspace
// (GET /api/me, GET /api/workspaces) and shared by the header and the pages. It only decides what
// to show: the server is the authority, and a refusal it sends (403) is shown as it says it.
import { get } from './api.js';

/** The roles, lowest first (docs/api.md: owner > admin > operator > viewer). */
export const ROLES = ['viewer', 'operator', 'admin', 'owner'];

const rank = (role) => ROLES.indexOf(role);

/** Whether `role` is `min` or above; a role this page does not know shows everything. */
export function atLeast(role, min) {
  const r = rank(role);
  return r < 0 || r >= rank(min);
}

/** The roles someone with `role` may hand out (invitations, tokens, role changes): up to their own. */
export function rolesUpTo(role) {
  const r = rank(role);
  return r < 0 ? ROLES.slice() : ROLES.slice(0, r + 1);
}

let cached = null;

/**
 * Resolves to {me, workspaces}: me is GET /api/me ({user_id, email, name, workspace_id,
 * workspace_name, role, auth}); workspaces is GET /api/workspaces' list (empty when the server
 * has no such route or refuses it). Rejects when /api/me fails; the next call asks again.
 */
export function current() {
  if (!cached) {
    cached = load().catch((err) => {
      cached = null;
      throw err;
    });
  }
  return cached;
}

/** Forgets what was read: after signing in or out, a workspace switch, a change of one's role. */
export function forget() {
  cached = null;
}

async function load() {
  const me = await get('/api/me');
  let workspaces = [];
  try {
    workspaces = (await get('/api/workspaces')).workspaces || [];
  } catch (err) {
    if (err.status === 401) throw err;
    workspaces = []; // an older server, or an API token that may not list them: no switcher
  }
  return { me, workspaces };
}

/** The members' emails by user id (GET /api/members), to name people; empty when not readable. */
export async function memberEmails() {
  try {
    const res = await get('/api/members');
    return new Map(res.members.map((m) => [m.user_id, m.email || m.name || m.user_id]));
  } catch (err) {
    if (err.status === 401) throw err;
    return new Map();
  }
}
