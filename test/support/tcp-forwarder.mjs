// Loopback stand-ins for the enclave's socat children in tests (there is no vsock here).
//
// Bridge: listens on 127.0.0.1 (port 0 = any free port) and relays each connection to
// 127.0.0.1:<to>, as `socat VSOCK-LISTEN:<port>,fork,reuseaddr TCP:127.0.0.1:<to>` does. The
// same mode stands in for the KMS forwarder (`socat TCP-LISTEN:<port>,bind=127.0.0.1,fork,reuseaddr
// VSOCK-CONNECT:3:8000`), relaying to a fake KMS in place of the parent's vsock-proxy. Prints
// one JSON line {"event":"forwarder.listening","port":N} on stdout once listening; exits 0 on
// SIGTERM/SIGINT.
//   node tcp-forwarder.mjs --to <port> [--listen-port <port>]
//
// Audit channel: sends its stdin to 127.0.0.1:<port>, as
// `socat STDIN!!OPEN:/dev/null,wronly VSOCK-CONNECT:3:<port>` does (what the receiver sends is
// discarded). Exits 0 once stdin ended and everything was sent; exits 1 when the connection
// cannot be made, fails, or the receiver closes it first.
//   node tcp-forwarder.mjs --stdin-to <port>
import { createConnection, createServer } from "node:net";

const MAX_CONNECTIONS = 64;

function portArg(name, fallback) {
  const i = process.argv.indexOf(name);
  const raw = i === -1 ? undefined : process.argv[i + 1];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    process.stderr.write(`tcp-forwarder: ${name} <port> is required\n`);
    process.exit(2);
  }
  if (!/^[0-9]{1,5}$/.test(raw) || Number(raw) > 65535) {
    process.stderr.write(`tcp-forwarder: ${name} must be a port number\n`);
    process.exit(2);
  }
  return Number(raw);
}

function relay() {
  const to = portArg("--to");
  const listenPort = portArg("--listen-port", 0);
  const sockets = new Set();

  const server = createServer((inbound) => {
    const outbound = createConnection({ host: "127.0.0.1", port: to });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      s.on("error", () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.listen(listenPort, "127.0.0.1", () => {
    process.stdout.write(`${JSON.stringify({ event: "forwarder.listening", port: server.address().port })}\n`);
  });

  const stop = () => {
    server.close(() => process.exit(0));
    for (const s of sockets) s.destroy();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

function stdinTo() {
  const port = portArg("--stdin-to");
  const socket = createConnection({ host: "127.0.0.1", port });
  let inputEnded = false;
  process.stdin.once("end", () => {
    inputEnded = true;
  });
  process.stdin.pipe(socket);
  socket.resume(); // what the receiver sends is discarded
  socket.once("connect", () => process.stderr.write(`${JSON.stringify({ event: "forwarder.audit_connected", port })}\n`));
  socket.once("error", (err) => {
    process.stderr.write(`tcp-forwarder: audit connection failed (${err.code ?? "error"})\n`);
    process.exit(1);
  });
  // The receiver closing its side before our input ended means records may not arrive.
  socket.once("end", () => {
    if (!inputEnded) {
      process.stderr.write("tcp-forwarder: the audit receiver closed the connection\n");
      process.exit(1);
    }
  });
  socket.once("close", () => process.exit(inputEnded ? 0 : 1));
}

if (process.argv.includes("--stdin-to")) stdinTo();
else relay();
