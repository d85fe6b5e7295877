// The physical floor's server (see floor.ts): a bare node:http echo in its own process, as Gantry's server is in
// its own. Plain JavaScript run by bare `node` (no loader), so nothing but Node itself answers. Prints its port
// over IPC; exits when the parent disconnects.
import { createServer } from "node:http";

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = chunks.length > 0 ? Buffer.concat(chunks) : Buffer.from('{"ok":true}');
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("disconnect", () => process.exit(0));
