// A wasi:http/proxy component from componentize-js (StarlingMonkey's fetch event), served
// by `molt-wasm serve` in test/serve/foreign-proxy.test.ts.
//   /fetch/HOST:PORT  GET http://HOST:PORT/ with fetch(): "upstream STATUS" or 502 "fetch failed"
//   anything else     "hello from componentize-js, count=N": N counts requests in this
//                     instance, so a fresh instance per request always says count=1
let count = 0;

async function handle(request) {
  count += 1;
  const url = new URL(request.url);
  if (url.pathname.startsWith('/fetch/')) {
    try {
      const r = await fetch(`http://${url.pathname.slice('/fetch/'.length)}/`);
      return new Response(`upstream ${r.status} ${await r.text()}\n`);
    } catch (e) {
      return new Response(`fetch failed: ${e}\n`, { status: 502 });
    }
  }
  return new Response(`hello from componentize-js, count=${count}\n`, { headers: { 'x-served-by': 'componentize-js' } });
}

addEventListener('fetch', (event) => event.respondWith(handle(event.request)));
