// A stand-in for your application: replace deploy/example-app (or pass
// --build-arg APP_DIR=...). It reads its secrets at run time, after `secrets init`
// created them; this one only answers health probes.
import { createServer } from "node:http";

const port = 8080;

createServer((request, response) => {
  const ok = request.url === "/healthz";
  response.writeHead(ok ? 200 : 404, { "content-type": "text/plain" });
  response.end(ok ? "ok\n" : "not found\n");
}).listen(port);
