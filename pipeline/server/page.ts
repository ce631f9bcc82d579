import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { languageNames, pageLanguages, pageMessages, type MessageKey, type PageLanguage } from "./page-messages.ts"

/**
 * The page a partner opens at `/`: paste the token, upload a batch archive or choose the batch
 * folder (packed into a .zip in the browser), read the validation result, and follow the batches
 * as the server processes them. One self-contained file (no scripts or styles from elsewhere, the
 * zip library inlined), so it works on an institution's locked-down network; it speaks to the same
 * /v1 API as any program. Its words are in Spanish, Portuguese and English (page-messages.ts).
 */

// fflate's browser build (pinned in package.json), inlined: the page needs no CDN.
const fflateSource = readFileSync(join(dirname(createRequire(import.meta.url).resolve("fflate/package.json")), "umd", "index.js"), "utf8")
if (fflateSource.includes("</script")) throw new Error("fflate's browser build cannot be inlined in a <script> element")

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

/** JSON that cannot close the <script> element it is written into. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029")

const styles = `
  body { font: 16px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 68rem; padding: 1rem 1.5rem 3rem; color: #1d1d1d; }
  header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .5rem; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; }
  h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
  nav button { margin: 0 0 0 .3rem; padding: .2rem .6rem; }
  nav button[aria-pressed=true] { font-weight: 700; background: #1d1d1d; color: #fff; }
  label { display: block; font-weight: 600; margin: .8rem 0 .3rem; }
  input[type=password], input[type=text] { width: 100%; max-width: 40rem; padding: .4rem; font: inherit; }
  button { font: inherit; padding: .35rem .9rem; margin: .5rem .5rem 0 0; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; margin-top: .6rem; font-size: .92rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { background: #eaf6ea; border-left: 4px solid #2e7d32; padding: .6rem .9rem; }
  .refused { background: #fdecea; border-left: 4px solid #c62828; padding: .6rem .9rem; }
  .note { color: #555; font-size: .9rem; }
  .detail { color: #555; font-size: .88rem; margin-top: .2rem; }
  .error { color: #c62828; font-weight: 600; }
  .warning { color: #8a5a00; font-weight: 600; }
`

const body = `
<header>
<h1 data-i18n="heading">{{heading}}</h1>
<nav id="languages" aria-label="{{language}}">{{switch}}</nav>
</header>
<p class="note" data-i18n="intro">{{intro}}</p>

<section aria-labelledby="token-h">
  <h2 id="token-h" data-i18n="tokenHeading">{{tokenHeading}}</h2>
  <label for="token" data-i18n="tokenLabel">{{tokenLabel}}</label>
  <input id="token" type="password" autocomplete="off" placeholder="acervo_…">
  <button id="use-token" type="button" data-i18n="useToken">{{useToken}}</button>
  <div id="who" class="note" role="status"></div>
</section>

<section aria-labelledby="upload-h">
  <h2 id="upload-h" data-i18n="uploadHeading">{{uploadHeading}}</h2>
  <label for="archive" data-i18n="archiveLabel">{{archiveLabel}}</label>
  <input id="archive" type="file" accept=".zip,.tar,.tar.gz,.tgz,application/zip,application/x-tar,application/gzip">
  <div><button id="upload" type="button" data-i18n="uploadArchive">{{uploadArchive}}</button></div>
  <label for="folder" data-i18n="folderLabel">{{folderLabel}}</label>
  <input id="folder" type="file" webkitdirectory multiple>
  <div><button id="upload-folder" type="button" data-i18n="uploadFolder">{{uploadFolder}}</button></div>
  <div id="upload-result" role="status" aria-live="polite"></div>
</section>

<section aria-labelledby="batches-h">
  <h2 id="batches-h" data-i18n="batchesHeading">{{batchesHeading}}</h2>
  <button id="refresh" type="button" data-i18n="refresh">{{refresh}}</button>
  <p id="mode" class="note"></p>
  <div id="batches"></div>
  <div id="batch-detail" hidden>
    <h3 id="detail-title"></h3>
    <div id="detail-body" aria-live="polite"></div>
    <label for="withdraw-reason" data-i18n="withdrawLabel">{{withdrawLabel}}</label>
    <input id="withdraw-reason" type="text">
    <div><button id="withdraw" type="button" data-i18n="withdrawButton">{{withdrawButton}}</button></div>
    <div id="withdraw-result" role="status"></div>
  </div>
</section>
`

// Plain ES5 in the browser. The view keeps what was last shown, so that a change of language
// draws it again in the new one; lists are polled while a batch is being processed.
const script = String.raw`
(function () {
  "use strict";
  var M = window.ACERVO_MESSAGES;
  var JUNK = [".DS_Store", "Thumbs.db", "desktop.ini"];
  var $ = function (id) { return document.getElementById(id); };
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var esc = function (s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };
  var store = function (kind, key, value) { try { if (value === undefined) return window[kind].getItem(key); window[kind].setItem(key, value); } catch (e) { return null; } };

  function pickLanguage() {
    var remembered = store("localStorage", "acervo-lang");
    if (remembered && M[remembered]) return remembered;
    var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    for (var i = 0; i < prefs.length; i++) {
      var primary = String(prefs[i]).toLowerCase().split("-")[0];
      if (M[primary]) return primary;
    }
    return window.ACERVO_LANG || "en";
  }
  var lang = pickLanguage();
  var fill = function (s, params) {
    return params ? s.replace(/\{(\w+)\}/g, function (whole, k) { return params[k] === undefined ? whole : String(params[k]); }) : s;
  };
  var t = function (key, params) { var s = M[lang].ui[key]; return fill(s === undefined ? M.en.ui[key] || key : s, params); };
  var coded = function (table, code) { var s = M[lang][table][code]; return s === undefined ? null : s; };

  var token = store("sessionStorage", "acervo-token") || "";
  $("token").value = token;
  var view = { who: null, upload: null, batches: null, intake: null, detail: null, withdraw: null };

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

  function refusal(r, heading) {
    var b = r.body || {};
    var translated = coded("reasons", b.reason);
    return '<div class="refused"><strong>' + esc(heading || t("refused")) + " (" + (r.status ? r.status + ", " : "") + esc(b.reason) + "):</strong> " + esc(translated || b.message) +
      (translated && b.message ? '<div class="detail">' + esc(t("serverMessage")) + ' <span lang="en">' + esc(b.message) + "</span></div>" : "") + "</div>";
  }

  function problemsTable(problems) {
    if (!problems || problems.length === 0) return "";
    var rows = problems.map(function (p) {
      var label = coded("problems", p.code);
      var severity = p.fatal ? "error" : "warning";
      return '<tr data-code="' + esc(p.code) + '"><td class="' + severity + '">' + esc(t(severity)) + "</td><td>" + esc(p.file) + "</td><td>" + esc(p.path) + "</td><td>" +
        (label ? "<strong>" + esc(label) + '</strong><div class="detail" lang="en">' + esc(p.problem) + "</div>" : '<span lang="en">' + esc(p.problem) + "</span>") +
        '</td><td lang="en">' + esc(p.expected) + "</td></tr>";
    }).join("");
    return '<table id="problems"><thead><tr><th></th><th>' + esc(t("colFile")) + "</th><th>" + esc(t("colWhere")) + "</th><th>" + esc(t("colProblem")) +
      "</th><th>" + esc(t("colExpected")) + "</th></tr></thead><tbody>" + rows + "</tbody></table>";
  }

  function stateText(p) {
    if (p.state === "waiting") return t(p.by === "operator" ? "stateWaitingOperator" : "stateWaiting");
    return t({ processing: "stateProcessing", processed: "stateProcessed", failed: "stateFailed", withdrawn: "stateWithdrawn" }[p.state] || p.state);
  }
  var progressText = function (p) { return t("progress", { done: p.files_done, total: p.files_total, kept: p.kept, excluded: p.excluded }); };
  var active = function (p) { return p.state === "processing" || (p.state === "waiting" && p.by === "server") || (p.release && p.release.state === "pending"); };
  var codeLabel = function (code) { var s = coded("exclusions", code); return s ? s + " (" + code + ")" : code; };

  function renderWho() {
    $("who").textContent = view.who ? t(view.who) : "";
  }

  function renderUpload() {
    var u = view.upload;
    if (!u) { $("upload-result").innerHTML = ""; return; }
    if (u.type === "note") { $("upload-result").innerHTML = '<p class="note">' + esc(t(u.key, u.params)) + "</p>"; return; }
    if (u.type === "refused-note") { $("upload-result").innerHTML = '<div class="refused">' + esc(t(u.key, u.params)) + "</div>"; return; }
    var r = u.r;
    if (r.status === 201 || r.status === 200) {
      var b = r.body;
      $("upload-result").innerHTML = '<div class="ok" id="upload-ok">' + esc(t(b.status === "registered" ? "registered" : "alreadyRegistered", { id: b.id, institution: b.institution, documents: b.documents })) +
        "</div>" + problemsTable(b.problems);
    } else {
      $("upload-result").innerHTML = refusal(r) + problemsTable(r.body && r.body.problems);
    }
  }

  function renderBatches() {
    var r = view.batches;
    if (!r) { $("batches").innerHTML = ""; $("mode").textContent = ""; return; }
    if (r.status !== 200) { $("batches").innerHTML = refusal(r); $("mode").textContent = ""; return; }
    $("mode").textContent = r.body.intake ? t(r.body.intake.processes ? "serverProcesses" : "operatorProcesses") : "";
    var list = r.body.batches;
    if (list.length === 0) { $("batches").innerHTML = '<p class="note">' + esc(t("noBatches")) + "</p>"; return; }
    var rows = list.map(function (b) {
      return '<tr data-batch="' + esc(b.id) + '" data-state="' + esc(b.processing.state) + '"><td>' + esc(b.id) + "</td><td>" + esc(b.title) + "</td><td>" + esc(b.submitted.slice(0, 10)) +
        '</td><td class="state">' + esc(stateText(b.processing)) + '</td><td class="progress">' + esc(progressText(b.processing)) +
        '</td><td><button type="button" class="details" data-id="' + esc(b.id) + '">' + esc(t("details")) + "</button></td></tr>";
    }).join("");
    $("batches").innerHTML = '<table id="batch-table"><thead><tr><th>' + esc(t("colBatch")) + "</th><th>" + esc(t("colTitle")) + "</th><th>" + esc(t("colSubmitted")) +
      "</th><th>" + esc(t("colStatus")) + "</th><th>" + esc(t("colProgress")) + "</th><th></th></tr></thead><tbody>" + rows + "</tbody></table>";
    each(document.querySelectorAll("button.details"), function (button) {
      button.addEventListener("click", function () { view.withdraw = null; loadBatch(button.getAttribute("data-id")); });
    });
  }

  function countsTable(id, heading, counts) {
    var codes = Object.keys(counts || {});
    if (codes.length === 0) return "";
    return '<table id="' + id + '"><thead><tr><th>' + esc(heading) + "</th><th>" + esc(t("colDocuments")) + "</th></tr></thead><tbody>" +
      codes.map(function (c) { return '<tr data-code="' + esc(c) + '"><td>' + esc(codeLabel(c)) + '</td><td class="n">' + counts[c] + "</td></tr>"; }).join("") + "</tbody></table>";
  }

  function renderDetail() {
    var d = view.detail;
    if (!d) { $("batch-detail").hidden = true; return; }
    $("batch-detail").hidden = false;
    $("detail-title").textContent = d.id;
    var r = d.r;
    if (r.status !== 200) { $("detail-body").innerHTML = refusal(r); renderWithdraw(); return; }
    var b = r.body, p = b.processing;
    var html = '<p id="detail-state"><strong>' + esc(stateText(p)) + "</strong> · " + esc(progressText(p)) + "</p>";
    if (p.error) html += refusal({ status: 0, body: p.error }, stateText(p));
    if (p.state === "processed" || p.state === "withdrawn" || p.kept + p.excluded > 0) {
      html += '<div id="result"><h4>' + esc(t("resultHeading")) + "</h4><p>" + esc(t("resultLine", { kept: p.kept, excluded: p.excluded })) + "</p>" +
        (Object.keys(b.excluded).length ? countsTable("excluded-table", t("excludedBecause"), b.excluded) : '<p class="note">' + esc(t("noExclusions")) + "</p>") +
        countsTable("flagged-table", t("flaggedFor"), b.flagged) + "</div>";
    }
    if (p.release) {
      var key = { current: "releaseCurrent", pending: "releasePending", failed: "releaseFailed" }[p.release.state];
      html += '<p id="release-state" class="note">' + esc(t(key, { name: p.release.name, at: (p.release.written_at || "").replace("T", " ").slice(0, 19) })) + "</p>";
    }
    if (b.pending.length) html += '<p class="note">' + esc(t("pendingNote", { n: b.batch.pending_files })) + "</p>";
    var docs = b.documents.map(function (doc) {
      var why = doc.exclusions.concat(doc.flags).map(function (n) { return esc(n.stage + ": " + codeLabel(n.code)) + ' — <span lang="en">' + esc(n.detail) + "</span>"; }).join("<br>");
      return "<tr><td>" + esc(doc.document) + "</td><td>" + esc(doc.path) + "</td><td>" + esc(t(doc.status === "kept" ? "docKept" : "docExcluded")) + "</td><td>" + esc(doc.lang) + "</td><td>" + why + "</td></tr>";
    }).join("");
    if (docs) {
      html += '<table id="documents"><thead><tr><th>' + esc(t("colDocument")) + "</th><th>" + esc(t("colFile")) + "</th><th>" + esc(t("colStatus")) + "</th><th>" +
        esc(t("colLanguage")) + "</th><th>" + esc(t("colWhy")) + "</th></tr></thead><tbody>" + docs + "</tbody></table>";
    }
    $("detail-body").innerHTML = html;
    renderWithdraw();
  }

  function renderWithdraw() {
    var w = view.withdraw;
    if (!w) { $("withdraw-result").innerHTML = ""; return; }
    if (w.r.status !== 200) { $("withdraw-result").innerHTML = refusal(w.r); return; }
    var release = view.batches && view.batches.body && view.batches.body.intake && view.batches.body.intake.release;
    $("withdraw-result").innerHTML = '<div class="ok" id="withdraw-ok">' + esc(release ? t("withdrawnServer", { n: w.r.body.withdrawn, release: release }) : t("withdrawnLater", { n: w.r.body.withdrawn })) + "</div>";
  }

  function render() { renderWho(); renderUpload(); renderBatches(); renderDetail(); }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = t("title");
    each(document.querySelectorAll("[data-i18n]"), function (el) { el.textContent = t(el.getAttribute("data-i18n")); });
    $("languages").setAttribute("aria-label", t("language"));
    each(document.querySelectorAll("button[data-lang]"), function (b) { b.setAttribute("aria-pressed", b.getAttribute("data-lang") === lang ? "true" : "false"); });
    render();
  }

  function useToken() {
    token = $("token").value.trim();
    store("sessionStorage", "acervo-token", token);
    loadBatches();
  }

  function loadBatches() {
    if (!token) { view.who = "tokenFirst"; renderWho(); return Promise.resolve(); }
    return call("GET", "/v1/batches").then(function (r) {
      view.batches = r;
      view.who = r.status === 200 ? "tokenAccepted" : null;
      renderWho();
      renderBatches();
      if (view.detail) renderWithdraw();
    });
  }

  function loadBatch(id) {
    return call("GET", "/v1/batches/" + encodeURIComponent(id) + "?limit=1000").then(function (r) {
      view.detail = { id: id, r: r };
      renderDetail();
    });
  }

  function withdraw() {
    if (!view.detail) return;
    var id = view.detail.id;
    call("POST", "/v1/batches/" + encodeURIComponent(id) + "/withdraw", JSON.stringify({ reason: $("withdraw-reason").value }), "application/json").then(function (w) {
      view.withdraw = { r: w };
      renderWithdraw();
      loadBatches();
      loadBatch(id);
    });
  }

  function setUpload(u) { view.upload = u; renderUpload(); }

  function send(body, name, contentType) {
    setUpload({ type: "note", key: "uploading", params: { name: name, kb: Math.round(body.size / 1024) } });
    return call("POST", "/v1/batches", body, contentType).then(function (r) {
      setUpload({ type: "answer", r: r });
      loadBatches();
    });
  }

  function upload() {
    var file = $("archive").files[0];
    if (!token) return setUpload({ type: "refused-note", key: "tokenFirst" });
    if (!file) return setUpload({ type: "refused-note", key: "chooseArchive" });
    send(file, file.name, file.type || "application/octet-stream");
  }

  /** The chosen folder as a .zip made here: one entry per file under the folder's name, read a piece at a time. */
  function pack(files, name) {
    return new Promise(function (resolve, reject) {
      var parts = [];
      var zip = new fflate.Zip(function (err, data, final) {
        if (err) { reject(err); return; }
        parts.push(data);
        if (final) resolve(new Blob(parts, { type: "application/zip" }));
      });
      var i = 0;
      function next() {
        setUpload({ type: "note", key: "packing", params: { name: name, done: i, total: files.length } });
        if (i === files.length) { zip.end(); return; }
        var file = files[i++];
        var entry = new fflate.ZipDeflate(file.webkitRelativePath || file.name, { level: 6, mtime: Math.max(file.lastModified || 0, Date.UTC(1980, 0, 2)) });
        zip.add(entry);
        var reader = file.stream().getReader();
        (function pump() {
          reader.read().then(function (piece) {
            if (piece.done) { entry.push(new Uint8Array(0), true); setTimeout(next, 0); return; }
            entry.push(piece.value, false);
            pump();
          }).catch(reject);
        })();
      }
      next();
    });
  }

  function uploadFolder() {
    var files = Array.prototype.slice.call($("folder").files || []).filter(function (f) {
      return JUNK.indexOf((f.webkitRelativePath || f.name).split("/").pop()) < 0;
    }).sort(function (a, b) { return (a.webkitRelativePath || a.name) < (b.webkitRelativePath || b.name) ? -1 : 1; });
    if (!token) return setUpload({ type: "refused-note", key: "tokenFirst" });
    if (files.length === 0) return setUpload({ type: "refused-note", key: "chooseFolder" });
    var name = (files[0].webkitRelativePath || files[0].name).split("/")[0];
    pack(files, name).then(function (zip) { return send(zip, name + ".zip", "application/zip"); }, function (e) {
      setUpload({ type: "refused-note", key: "packFailed", params: { message: e && e.message ? e.message : String(e) } });
    });
  }

  function poll() {
    var r = view.batches;
    if (!token || !r || r.status !== 200) return;
    var busy = r.body.batches.some(function (b) { return active(b.processing); });
    var open = view.detail && view.detail.r.status === 200 && active(view.detail.r.body.processing);
    if (busy) loadBatches();
    if (open || (busy && view.detail)) loadBatch(view.detail.id);
  }

  each(document.querySelectorAll("button[data-lang]"), function (button) {
    button.addEventListener("click", function () {
      lang = button.getAttribute("data-lang");
      store("localStorage", "acervo-lang", lang);
      applyLanguage();
    });
  });
  $("use-token").addEventListener("click", useToken);
  $("upload").addEventListener("click", upload);
  $("upload-folder").addEventListener("click", uploadFolder);
  $("refresh").addEventListener("click", function () { loadBatches(); if (view.detail) loadBatch(view.detail.id); });
  $("withdraw").addEventListener("click", withdraw);
  setInterval(poll, 1500);
  applyLanguage();
  if (token) loadBatches();
})();
`

const render = (lang: PageLanguage) => {
  const ui = pageMessages[lang].ui
  const languageSwitch = pageLanguages
    .map((l) => `<button type="button" data-lang="${l}" lang="${l}" aria-pressed="${l === lang}">${escapeHtml(languageNames[l])}</button>`)
    .join("")
  const filled = body.replace(/\{\{(\w+)\}\}/g, (_, key: string) => (key === "switch" ? languageSwitch : escapeHtml(ui[key as MessageKey])))
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(ui.title)}</title>
<style>${styles}</style>
</head>
<body>
${filled}
<script>window.ACERVO_LANG = ${scriptJson(lang)}; window.ACERVO_MESSAGES = ${scriptJson(pageMessages)};</script>
<script>${fflateSource}</script>
<script>${script}</script>
</body>
</html>
`
}

const rendered = new Map<PageLanguage, string>(pageLanguages.map((l) => [l, render(l)]))

/** The page, its words first drawn in `lang` (the browser's, from Accept-Language); the page can switch. */
export const intakePage = (lang: PageLanguage): string => rendered.get(lang)!
