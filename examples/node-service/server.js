// node-service: a small HTTP service with nothing but Node's standard library, deployed with
// bluegreen as any team's own service would be (see README.md).
//
//   GET  /          a greeting (JSON)
//   GET  /work?ms=N  answers after N ms (at most 5000): a request that is still in flight when
//                    the task is told to stop
//   POST /echo      returns the JSON body it was sent
//   GET  /healthz   the service's own health path (no dependency is checked: liveness only)
//   GET  /health    the same, for bluegreen's local platform, whose check path is fixed to
//                   /health today (README.md, "Limitations")
//
// Configuration comes from the environment: PORT (default 3000), BIND_HOST (default 127.0.0.1;
// the image sets 0.0.0.0), SHUTDOWN_GRACE_SECONDS (default 25), APP_VERSION (set by bluegreen
// on both platforms; "dev" otherwise).
//
// SIGTERM (the local platform's stop and ECS's StopTask both send it): stop accepting
// connections, close idle keep-alive connections, let every request in flight finish, exit 0;
// exit 1 if requests are still running after SHUTDOWN_GRACE_SECONDS.
'use strict';

const http = require('node:http');

const PORT = Number.parseInt(process.env.PORT || '3000', 10);
const HOST = process.env.BIND_HOST || '127.0.0.1';
const GRACE_MS = Number.parseFloat(process.env.SHUTDOWN_GRACE_SECONDS || '25') * 1000;
const VERSION = process.env.APP_VERSION || 'dev';
const MAX_BODY = 64 * 1024;
const MAX_WORK_MS = 5000;

let stopping = false;

function log(fields) {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...fields }) + '\n');
}

function send(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    // While stopping, tell the client (the load balancer) not to reuse this connection.
    ...(stopping ? { Connection: 'close' } : {}),
  });
  res.end(payload);
}

function readJson(req, res, onBody) {
  let size = 0;
  const chunks = [];
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      send(res, 413, { error: `body larger than ${MAX_BODY} bytes` });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    try {
      onBody(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
    } catch {
      send(res, 400, { error: 'the body is not valid JSON' });
    }
  });
}

function health(req, res) {
  // Liveness: the process answers. While draining the load balancer has already taken this
  // task out of rotation, so it keeps answering 200 until it exits.
  send(res, 200, { status: 'ok' });
}

const routes = {
  'GET /': (req, res) => send(res, 200, { message: 'hello from node-service', version: VERSION }),
  'GET /work': (req, res, url) => {
    const ms = Math.min(Math.max(Number.parseInt(url.searchParams.get('ms') || '100', 10) || 0, 0), MAX_WORK_MS);
    setTimeout(() => send(res, 200, { worked_ms: ms }), ms);
  },
  'POST /echo': (req, res) => readJson(req, res, (body) => send(res, 200, { echo: body })),
  'GET /healthz': health,
  'GET /health': health,
};

const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  const url = new URL(req.url, 'http://localhost');
  res.on('finish', () => {
    if (url.pathname === '/healthz' || url.pathname === '/health') return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log({ method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(ms * 10) / 10 });
  });
  const handler = routes[`${req.method} ${url.pathname}`];
  if (handler) {
    handler(req, res, url);
  } else if (Object.keys(routes).some((key) => key.endsWith(` ${url.pathname}`))) {
    send(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` });
  } else {
    send(res, 404, { error: `no route for ${url.pathname}` });
  }
});

// Keep idle connections longer than the load balancer does (ALB: 60 s, the local HAProxy: 30 s),
// so the balancer, never the service, closes an idle connection and no request is sent down one
// the service is closing.
server.keepAliveTimeout = 75_000;
server.headersTimeout = 76_000;

function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log({ event: 'stopping', signal, version: VERSION });
  server.close(() => {
    log({ event: 'stopped', version: VERSION });
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => {
    log({ event: 'grace period over, requests still in flight', version: VERSION });
    process.exit(1);
  }, GRACE_MS).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

server.on('error', (err) => {
  log({ event: 'cannot listen', error: err.message, host: HOST, port: PORT });
  process.exit(1);
});

server.listen(PORT, HOST, () => log({ event: 'listening', host: HOST, port: PORT, version: VERSION }));
