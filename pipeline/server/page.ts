/**
 * The page a partner opens at `/`: paste the token, upload a batch archive, read the validation
 * result and follow the batches. One self-contained file (no scripts or styles from elsewhere), so
 * it works on an institution's locked-down network; it speaks to the same /v1 API as any program.
 */
export const intakePage = `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>acervo — entrega de lotes / batch intake</title>
<style>
  body { font: 16px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 68rem; padding: 1rem 1.5rem 3rem; color: #1d1d1d; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; }
  h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
  label { display: block; font-weight: 600; margin: .8rem 0 .3rem; }
  input[type=password], input[type=text] { width: 100%; max-width: 40rem; padding: .4rem; font: inherit; }
  button { font: inherit; padding: .35rem .9rem; margin: .5rem .5rem 0 0; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; margin-top: .6rem; font-size: .92rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { background: #eaf6ea; border-left: 4px solid #2e7d32; padding: .6rem .9rem; }
  .refused { background: #fdecea; border-left: 4px solid #c62828; padding: .6rem .9rem; }
  .note { color: #555; font-size: .9rem; }
  .error { color: #c62828; font-weight: 600; }
  .warning { color: #8a5a00; font-weight: 600; }
</style>
</head>
<body>
<h1>acervo: entrega de lotes</h1>
<p class="note">Partner batch intake. Upload a batch (a .zip, .tar or .tar.gz of a folder with <code>batch.json</code>), read what acervo found in it, and follow its documents. Your token only shows your institution's batches.</p>

<section aria-labelledby="token-h">
  <h2 id="token-h">1. Token</h2>
  <label for="token">Bearer token (from your acervo operator)</label>
  <input id="token" type="password" autocomplete="off" placeholder="acervo_…">
  <button id="use-token" type="button">Use token</button>
  <div id="who" class="note" role="status"></div>
</section>

<section aria-labelledby="upload-h">
  <h2 id="upload-h">2. Upload a batch</h2>
  <label for="archive">Batch archive</label>
  <input id="archive" type="file" accept=".zip,.tar,.tar.gz,.tgz,application/zip,application/x-tar,application/gzip">
  <div><button id="upload" type="button">Upload</button></div>
  <div id="upload-result" role="status" aria-live="polite"></div>
</section>

<section aria-labelledby="batches-h">
  <h2 id="batches-h">3. Your batches</h2>
  <button id="refresh" type="button">Refresh</button>
  <div id="batches"></div>
  <div id="batch-detail"></div>
</section>

<script>
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var esc = function (s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };
  var token = sessionStorage.getItem("acervo-token") || "";
  $("token").value = token;

  function call(method, path, body, contentType) {
    var headers = { authorization: "Bearer " + token };
    if (contentType) headers["content-type"] = contentType;
    return fetch(path, { method: method, headers: headers, body: body }).then(function (r) {
      return r.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = { reason: "not-json", message: text }; }
        return { status: r.status, body: json };
      });
    }, function (e) {
      return { status: 0, body: { reason: "network", message: "the server could not be reached (" + e.message + ")" } };
    });
  }

  function refusal(r) {
    var b = r.body || {};
    return '<div class="refused"><strong>Refused (' + r.status + ", " + esc(b.reason) + "):</strong> " + esc(b.message) + "</div>";
  }

  function problemsTable(problems) {
    if (!problems || problems.length === 0) return "";
    var rows = problems.map(function (p) {
      return "<tr><td class=\\"" + (p.fatal ? "error" : "warning") + "\\">" + (p.fatal ? "error" : "warning") + "</td><td>" + esc(p.file) +
        "</td><td>" + esc(p.path) + "</td><td>" + esc(p.problem) + "</td><td>" + esc(p.expected) + "</td></tr>";
    }).join("");
    return '<table id="problems"><thead><tr><th></th><th>file</th><th>where</th><th>problem</th><th>expected</th></tr></thead><tbody>' + rows + "</tbody></table>";
  }

  function useToken() {
    token = $("token").value.trim();
    sessionStorage.setItem("acervo-token", token);
    loadBatches();
  }

  function loadBatches() {
    if (!token) { $("who").textContent = "Paste your token first."; return; }
    call("GET", "/v1/batches").then(function (r) {
      if (r.status !== 200) { $("batches").innerHTML = refusal(r); $("who").textContent = ""; return; }
      $("who").textContent = "Token accepted.";
      var list = r.body.batches;
      if (list.length === 0) { $("batches").innerHTML = '<p class="note">No batch yet.</p>'; return; }
      var rows = list.map(function (b) {
        var state = b.withdrawn > 0 && b.withdrawn === b.kept + b.excluded ? "withdrawn"
          : b.pending_files > 0 ? "waiting for processing" : "processed";
        return '<tr data-batch="' + esc(b.id) + '"><td>' + esc(b.id) + "</td><td>" + esc(b.title) + "</td><td>" + esc(b.submitted.slice(0, 10)) +
          '</td><td class="state">' + state + '</td><td class="n">' + b.files + '</td><td class="n">' + b.pending_files + '</td><td class="n">' + b.kept +
          '</td><td class="n">' + b.excluded + '</td><td><button type="button" class="details" data-id="' + esc(b.id) + '">Details</button></td></tr>';
      }).join("");
      $("batches").innerHTML = '<table id="batch-table"><thead><tr><th>batch</th><th>title</th><th>submitted</th><th>status</th><th>files</th>' +
        "<th>pending</th><th>kept</th><th>excluded</th><th></th></tr></thead><tbody>" + rows + "</tbody></table>";
      Array.prototype.forEach.call(document.querySelectorAll("button.details"), function (button) {
        button.addEventListener("click", function () { loadBatch(button.getAttribute("data-id")); });
      });
    });
  }

  function loadBatch(id) {
    call("GET", "/v1/batches/" + encodeURIComponent(id) + "?limit=1000").then(function (r) {
      if (r.status !== 200) { $("batch-detail").innerHTML = refusal(r); return; }
      var d = r.body;
      var docs = d.documents.map(function (doc) {
        var why = doc.exclusions.concat(doc.flags).map(function (n) { return esc(n.stage + ": " + n.code + " — " + n.detail); }).join("<br>");
        return "<tr><td>" + esc(doc.document) + "</td><td>" + esc(doc.path) + "</td><td>" + esc(doc.status) + "</td><td>" + esc(doc.lang) + "</td><td>" + why + "</td></tr>";
      }).join("");
      var pending = d.pending.length ? '<p class="note">' + d.pending.length + " file(s) wait for the next processing run.</p>" : "";
      $("batch-detail").innerHTML = "<h3>" + esc(d.batch.id) + "</h3>" + pending +
        (docs ? '<table id="documents"><thead><tr><th>document</th><th>file</th><th>status</th><th>language</th><th>why</th></tr></thead><tbody>' + docs + "</tbody></table>" : "") +
        '<label for="withdraw-reason">Withdraw this batch: reason (kept in the ledger)</label><input id="withdraw-reason" type="text">' +
        '<div><button id="withdraw" type="button">Withdraw batch</button></div><div id="withdraw-result" role="status"></div>';
      $("withdraw").addEventListener("click", function () {
        var reason = $("withdraw-reason").value;
        call("POST", "/v1/batches/" + encodeURIComponent(id) + "/withdraw", JSON.stringify({ reason: reason }), "application/json").then(function (w) {
          $("withdraw-result").innerHTML = w.status === 200
            ? '<div class="ok">Withdrawn: ' + w.body.withdrawn + " document(s). They leave every later release.</div>"
            : refusal(w);
          loadBatches();
        });
      });
    });
  }

  function upload() {
    var file = $("archive").files[0];
    if (!token) { $("upload-result").innerHTML = '<div class="refused">Paste your token first.</div>'; return; }
    if (!file) { $("upload-result").innerHTML = '<div class="refused">Choose the batch archive first.</div>'; return; }
    $("upload-result").innerHTML = '<p class="note">Uploading ' + esc(file.name) + " (" + Math.round(file.size / 1024) + " KB)…</p>";
    call("POST", "/v1/batches", file, file.type || "application/octet-stream").then(function (r) {
      if (r.status === 201 || r.status === 200) {
        var b = r.body;
        $("upload-result").innerHTML = '<div class="ok" id="upload-ok">' + (b.status === "registered" ? "Registered" : "Already registered") +
          " batch <strong>" + esc(b.id) + "</strong> of " + esc(b.institution) + ": " + b.documents + " document file(s).</div>" + problemsTable(b.problems);
      } else {
        $("upload-result").innerHTML = refusal(r) + problemsTable(r.body && r.body.problems);
      }
      loadBatches();
    });
  }

  $("use-token").addEventListener("click", useToken);
  $("upload").addEventListener("click", upload);
  $("refresh").addEventListener("click", loadBatches);
  if (token) loadBatches();
})();
</script>
</body>
</html>
`
