// The console page's only script, inlined into the page (no build step, nothing to fetch): it swaps in the
// sections the live feed sends (server-rendered HTML over SSE), and runs the "call a tool" panel, reading the
// call's progress and result as they stream. Plain ES2020, no backticks (it lives in a template literal).
export const CONSOLE_SCRIPT = `
(function () {
  var live = document.getElementById('live');
  var es = new EventSource('/console/events');
  es.addEventListener('section', function (e) {
    var m = JSON.parse(e.data);
    var el = document.querySelector('[data-section="' + m.id + '"]');
    if (el) el.innerHTML = m.html;
  });
  es.onopen = function () { live.textContent = 'live'; live.className = 'on'; };
  es.onerror = function () { live.textContent = 'reconnecting…'; live.className = ''; };

  var form = document.getElementById('call-form');
  var bar = document.getElementById('call-progress');
  var status = document.getElementById('call-status');
  var out = document.getElementById('call-output');
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var args;
    try { args = JSON.parse(form.elements.arguments.value || '{}'); }
    catch (e) { status.textContent = 'arguments are not JSON: ' + e.message; return; }
    bar.value = 0; bar.max = 1; out.textContent = ''; status.textContent = 'calling…';
    fetch('/console/call', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tool: form.elements.tool.value, arguments: args })
    }).then(function (res) {
      if (!res.ok || !res.body) return res.text().then(function (t) { status.textContent = 'HTTP ' + res.status; out.textContent = t; });
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffer = '';
      function frame(text) {
        var data = text.split('\\n').filter(function (l) { return l.indexOf('data:') === 0; })
          .map(function (l) { return l.slice(5).trim(); }).join('\\n');
        if (!data) return;
        var msg = JSON.parse(data);
        if (msg.method === 'notifications/progress') {
          var p = msg.params;
          bar.max = p.total || p.progress + 1; bar.value = p.progress;
          status.textContent = p.message || (p.progress + (p.total ? '/' + p.total : ''));
        } else if (msg.method === 'notifications/mcp-fleet/partial_result') {
          (msg.params.content || []).forEach(function (c) { if (c.text) out.textContent += c.text; });
        } else if (msg.method === 'notifications/message') {
          out.textContent += '[' + msg.params.level + '] ' + JSON.stringify(msg.params.data) + '\\n';
        } else if ('result' in msg || 'error' in msg) {
          if (msg.result && !msg.result.isError) bar.value = bar.max;
          status.textContent = msg.error ? 'error' : msg.result.isError ? 'tool error' : 'done';
          out.textContent += JSON.stringify(msg.result || msg.error, null, 2);
        }
      }
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buffer += decoder.decode(r.value, { stream: true });
          var i;
          while ((i = buffer.indexOf('\\n\\n')) >= 0) { frame(buffer.slice(0, i)); buffer = buffer.slice(i + 2); }
          return pump();
        });
      }
      return pump();
    }).catch(function (e) { status.textContent = 'failed: ' + e.message; });
  });
})();
`;
