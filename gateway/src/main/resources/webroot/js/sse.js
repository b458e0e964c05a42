// Server-Sent Events over fetch(). EventSource cannot send an Authorization header, and the
// session token must not travel in a URL (URLs end up in logs and history), so the stream is read
// with fetch() and parsed here. After a dropped connection it reconnects with Last-Event-ID (the
// last seq seen): the gateway then sends exactly the events after it, none twice, none missed.

/**
 * @param path the stream's path
 * @param opts {token: () => string, lastEventId: number, onEvent(type, data, id),
 *              onState('open'|'reconnecting'|'closed'|'unauthorized', detail)}
 * @returns {close()}
 */
export function openStream(path, opts) {
  let lastId = opts.lastEventId;
  let retryMs = 2000;
  let failures = 0;
  let controller = null;
  let closed = false;
  let timer = null;

  async function connect() {
    if (closed) return;
    controller = new AbortController();
    const headers = { Accept: 'text/event-stream' };
    const token = opts.token();
    if (token) headers.Authorization = 'Bearer ' + token;
    if (lastId !== undefined && lastId !== null) headers['Last-Event-ID'] = String(lastId);
    let res;
    try {
      res = await fetch(path, { headers, cache: 'no-store', credentials: 'omit', signal: controller.signal });
    } catch (e) {
      return again('the server cannot be reached');
    }
    if (res.status === 401) {
      opts.onState('unauthorized');
      closed = true;
      return;
    }
    if (!res.ok || !res.body) {
      let msg = `${res.status}`;
      try {
        msg = (await res.json()).error.message;
      } catch {
        /* not JSON */
      }
      return again(msg);
    }
    failures = 0;
    opts.onState('open');
    try {
      await read(res.body);
      again('the stream ended');
    } catch (e) {
      if (!closed) again('the connection dropped');
    }
  }

  async function read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { id: null, type: 'message', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1));
        if (line === '') {
          if (event.data.length) {
            if (event.id !== null) lastId = Number(event.id);
            let data = event.data.join('\n');
            try {
              data = JSON.parse(data);
            } catch {
              /* plain text */
            }
            opts.onEvent(event.type, data, event.id);
          }
          event = { id: null, type: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (field === 'data') event.data.push(val);
        else if (field === 'event') event.type = val;
        else if (field === 'id') event.id = val;
        else if (field === 'retry' && /^\d+$/.test(val)) retryMs = Number(val);
      }
    }
  }

  function again(why) {
    if (closed) return;
    failures++;
    const delay = Math.min(15000, retryMs * Math.min(failures, 5));
    opts.onState('reconnecting', `${why}; reconnecting in ${Math.round(delay / 1000)} s`);
    timer = setTimeout(connect, delay);
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (controller) controller.abort();
      opts.onState('closed');
    },
    get lastEventId() {
      return lastId;
    },
  };
}
