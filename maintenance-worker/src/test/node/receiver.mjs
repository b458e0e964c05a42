// A Standard Webhooks receiver for the notification tests: every POST to /hooks/<name> is
// verified with the real `standardwebhooks` library (new Webhook(secret).verify(body, headers)),
// recorded, and answered as the test set that path up to answer.
//
//   node receiver.mjs <port>      (0: any free port); prints {"port": n} once listening
//
// Control (JSON):
//   POST /__control/path   {"path": "/hooks/a", "secret": "whsec_...", "mode": "ok"|"fail"|"hang",
//                           "delay_ms": n}   sets a path's secret and how it answers
//   GET  /__control/log    {"received": [{path, id, type, timestamp, body}],
//                           "rejected": [{path, id, error}], "max_in_flight": {path: n},
//                           "requests": {path: n}}
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const paths = {};
const received = [];
const rejected = [];
const inFlight = {};
const maxInFlight = {};
const requests = {};

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/__control/path' && req.method === 'POST') {
      const p = JSON.parse(body);
      paths[p.path] = { ...(paths[p.path] || {}), ...p };
      return json(res, 200, { ok: true });
    }
    if (req.url === '/__control/log') {
      return json(res, 200, { received, rejected, max_in_flight: maxInFlight, requests });
    }
    const path = req.url;
    const setup = paths[path];
    requests[path] = (requests[path] || 0) + 1;
    inFlight[path] = (inFlight[path] || 0) + 1;
    maxInFlight[path] = Math.max(maxInFlight[path] || 0, inFlight[path]);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight[path] -= 1;
      }
    };
    res.on('finish', finish);
    res.on('close', finish);
    if (!setup) {
      return json(res, 404, { error: 'no such path' });
    }
    let payload;
    try {
      payload = new Webhook(setup.secret).verify(body, req.headers);
    } catch (e) {
      rejected.push({ path, id: req.headers['webhook-id'], error: String(e) });
      return json(res, 400, { error: String(e) });
    }
    const answer = () => {
      if (setup.mode === 'hang') {
        return; // never answers: the sender times out or dies
      }
      if (setup.mode === 'fail') {
        return json(res, 500, { error: 'down for the test' });
      }
      received.push({
        path,
        id: req.headers['webhook-id'],
        type: payload.type,
        timestamp: req.headers['webhook-timestamp'],
        body: payload,
      });
      res.writeHead(204);
      res.end();
    };
    if (setup.delay_ms) {
      setTimeout(answer, setup.delay_ms);
    } else {
      answer();
    }
  });
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
// The test's JVM holds our stdin: when it ends, so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
