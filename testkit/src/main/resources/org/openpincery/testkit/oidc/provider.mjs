// A real OpenID Connect provider (panva's oidc-provider, certified by the OpenID Foundation) on
// loopback for the single sign-on tests (testkit's OidcProvider). Started as a Node process:
//
//   node provider.mjs '<settings JSON>'
//
// settings: {"clients": [<oidc-provider client metadata>...],
//            "accounts": {"<login>": {"email", "email_verified", "name", "groups"}}}
//
// It listens on a free loopback port and prints one line, {"issuer": "http://127.0.0.1:<port>"},
// then serves until its standard input closes (the test JVM ended) or it is killed.
//
// Login without a browser: the interaction page of an authorization request is
// POST /interaction/<uid>/login with the form field `login=<account>`; it signs that account in
// and grants the requested scopes in one step (no consent page), then redirects back to the
// authorization endpoint as a browser would be.
//
// Refusal cases: POST /__test/next-id-token {"claims": {...}} replaces claims of the ID token in
// the NEXT token endpoint response (aud, exp, nonce, ...), signed again with the provider's own key,
// so the token is genuine in every respect but the one the test changes; {"foreign_key": true}
// signs it with a key the provider does not publish instead. One shot: later tokens are untouched.
import http from 'node:http';
import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';

const settings = JSON.parse(process.argv[2] ?? '{}');
const accounts = settings.accounts ?? {};

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, jwk };
}

const published = await signingKey('test-provider-key');
const foreign = await signingKey('test-provider-key'); // same kid, a key nobody publishes
let nextIdToken = null;

function readJson(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { text += chunk; });
    req.on('end', () => {
      try { resolve(text ? JSON.parse(text) : {}); } catch (e) { reject(e); }
    });
    req.on('error', reject);
  });
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { text += chunk; });
    req.on('end', () => resolve(new URLSearchParams(text)));
    req.on('error', reject);
  });
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: settings.clients ?? [],
    jwks: { keys: [published.jwk] },
    cookies: { keys: ['oidc-test-provider-cookie-key'] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    conformIdTokenClaims: false, // scope claims (email, groups) go into the ID token itself
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts[sub];
      if (!account) {
        return undefined;
      }
      return { accountId: sub, async claims() { return { sub, ...account }; } };
    },
  });

  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/__test/next-id-token') {
      nextIdToken = await readJson(ctx.req);
      ctx.status = 204;
      return;
    }
    const login = ctx.path.match(/^\/interaction\/([^/]+)\/login$/);
    if (ctx.method === 'POST' && login) {
      const form = await readForm(ctx.req);
      const accountId = form.get('login');
      if (!accounts[accountId]) {
        ctx.status = 400;
        ctx.body = { error: 'unknown_account', account: accountId };
        return;
      }
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      ctx.respond = false; // interactionFinished answers 303 on the raw response
      await provider.interactionFinished(
        ctx.req, ctx.res, { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false });
      return;
    }
    if (ctx.method === 'GET' && ctx.path.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      ctx.type = 'html';
      ctx.body = `<form method="post" action="/interaction/${details.uid}/login">`
        + '<input name="login"><button>Sign in</button></form>';
      return;
    }
    await next();
    if (ctx.path === '/token' && nextIdToken && ctx.body && ctx.body.id_token) {
      const change = nextIdToken;
      nextIdToken = null;
      const header = decodeProtectedHeader(ctx.body.id_token);
      const claims = { ...decodeJwt(ctx.body.id_token), ...(change.claims ?? {}) };
      const key = change.foreign_key ? foreign.privateKey : published.privateKey;
      ctx.body = {
        ...ctx.body,
        id_token: await new SignJWT(claims).setProtectedHeader(header).sign(key),
      };
    }
  });

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
