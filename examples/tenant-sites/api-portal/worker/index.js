// The tenant's own code. With run_worker_first ["/api/*"], /api/* reaches this worker before the
// asset router; every other path is served from assets directly, and env.ASSETS lets the worker
// serve (or post-process) assets itself.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/api/hello") {
      return Response.json({ tenant: env.TENANT, message: "hello from the worker", path: url.pathname });
    }
    if (url.pathname === "/api/page") {
      // Fetch an asset through the binding and add a header to it.
      const asset = await env.ASSETS.fetch(new Request(new URL("/", url), request));
      const response = new Response(asset.body, asset);
      response.headers.set("X-Served-By", "worker");
      return response;
    }
    return Response.json({ error: "no such API route", path: url.pathname }, { status: 404 });
  },
};
