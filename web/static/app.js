// newsdesk review desk: progressive enhancement only. Every action also works as a plain
// HTML form without this file. Here: keyboard shortcuts, the approve confirmation dialog,
// live updates over server-sent events, and a warning when someone else saves while you edit.
"use strict";

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // Controls that only work with this script are hidden in the HTML and shown here.
  $$("[data-help]").forEach((b) => { b.hidden = false; });

  // ---- Dialogs ---------------------------------------------------------------------------
  function openDialog(d) {
    if (d && typeof d.showModal === "function" && !d.open) d.showModal();
  }
  function toggleHelp() {
    const d = $("#help");
    if (!d) return;
    if (d.open) d.close(); else openDialog(d);
  }

  document.addEventListener("click", (ev) => {
    const t = ev.target;
    if (!(t instanceof Element)) return;
    if (t.closest("[data-help]")) { toggleHelp(); return; }
    const close = t.closest("[data-close]");
    if (close) { const d = close.closest("dialog"); if (d) d.close(); }
  });

  // Approve asks first: the form's submit opens its dialog, whose own form carries confirm=yes.
  document.addEventListener("submit", (ev) => {
    const f = ev.target;
    if (!(f instanceof HTMLFormElement)) return;
    const id = f.dataset.confirm;
    if (!id) return;
    const d = document.getElementById(id);
    if (d && typeof d.showModal === "function") {
      ev.preventDefault();
      openDialog(d);
      const btn = $("button.primary", d);
      if (btn) btn.focus();
    }
  });

  // Other destructive forms (revoking a token) ask through one shared dialog.
  document.addEventListener("submit", (ev) => {
    const f = ev.target;
    if (!(f instanceof HTMLFormElement) || !f.dataset.ask || f.dataset.asked === "1") return;
    const d = $("#ask");
    if (!d || typeof d.showModal !== "function") return;
    ev.preventDefault();
    $("#ask-text").textContent = f.dataset.ask;
    d.returnValue = "";
    d.onclose = () => {
      if (d.returnValue === "yes") {
        f.dataset.asked = "1";
        f.requestSubmit();
      }
    };
    openDialog(d);
    $("#ask-yes").focus();
  });

  function approve() {
    const f = $("form[data-confirm]");
    if (f) f.requestSubmit();
  }

  // ---- Queue selection (j/k) -------------------------------------------------------------
  let selectedId = null;
  function rows() { return $$("[data-row]"); }
  function select(row, focus) {
    rows().forEach((r) => r.classList.toggle("selected", r === row));
    if (!row) return;
    selectedId = row.dataset.id;
    row.scrollIntoView({ block: "nearest" });
    const link = $("a.row-title", row);
    if (focus && link) link.focus({ preventScroll: true });
  }
  function move(step) {
    const rs = rows();
    if (!rs.length) return;
    let i = rs.findIndex((r) => r.dataset.id === selectedId);
    i = i < 0 ? (step > 0 ? 0 : rs.length - 1) : Math.min(rs.length - 1, Math.max(0, i + step));
    select(rs[i], true);
  }
  function selectedRow() { return rows().find((r) => r.dataset.id === selectedId) || null; }
  function restoreSelection() {
    const r = selectedRow();
    if (r) r.classList.add("selected");
  }

  // ---- Keyboard --------------------------------------------------------------------------
  let pendingG = false;
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t instanceof Element && t.closest("input, textarea, select, [contenteditable], dialog[open]") && ev.key !== "Escape") return;
    const k = ev.key;
    if (pendingG) {
      pendingG = false;
      if (k === "q") { location.href = "/ui/queue"; ev.preventDefault(); }
      return;
    }
    switch (k) {
      case "?": toggleHelp(); break;
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o":
      case "Enter": {
        const r = selectedRow();
        if (!r || (k === "Enter" && t instanceof HTMLAnchorElement)) return;
        location.href = $("a.row-title", r).href;
        break;
      }
      case "e": {
        const r = selectedRow();
        if (r) { location.href = "/ui/articles/" + r.dataset.id + "?edit=1#edit"; break; }
        const edit = $("[data-edit]");
        if (!edit) return;
        location.href = edit.href;
        break;
      }
      case "a": {
        const r = selectedRow();
        if (r) { location.href = "/ui/articles/" + r.dataset.id + "#approve"; break; }
        if (!$("form[data-confirm]")) return;
        approve();
        break;
      }
      case "/": {
        const s = $("[data-search]");
        if (!s) return;
        s.focus();
        s.select();
        break;
      }
      case "g": pendingG = true; return;
      default: return;
    }
    ev.preventDefault();
  });

  // ---- Live updates ----------------------------------------------------------------------
  // On any change the page fetches itself and swaps its [data-live] regions, except a region
  // the user is working in (focus inside, an open dialog, or typed text).
  const liveStatus = $("#live-status");
  let timer = null;
  let busy = false;
  let again = false;

  function dirty(region) {
    const a = document.activeElement;
    if (a && region.contains(a) && a.matches("input, textarea, select, button, mark")) return true;
    if ($("dialog[open]", region)) return true;
    if ($$("details[open]", region).length) return true;
    return $$("textarea, input", region).some((el) => el.dataset.dirty === "1");
  }

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const res = await fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (!res.ok || res.redirected) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      for (const el of $$("[data-live][id]")) {
        const fresh = doc.getElementById(el.id);
        if (!fresh || dirty(el) || fresh.outerHTML === el.outerHTML) continue;
        const hadFocus = el.contains(document.activeElement);
        el.replaceWith(document.importNode(fresh, true));
        if (hadFocus) {
          const r = selectedRow();
          const link = r && $("a.row-title", r);
          if (link) link.focus({ preventScroll: true });
        }
      }
      restoreSelection();
      checkStale();
      document.dispatchEvent(new CustomEvent("newsdesk:refreshed"));
    } catch (e) {
      // A failed refresh is retried on the next event.
    } finally {
      busy = false;
      if (again) { again = false; schedule(); }
    }
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  // While editing, say so when someone else saves a newer version.
  function checkStale() {
    const form = $("#edit");
    const head = $("#head");
    const stale = $("#stale");
    if (!form || !head || !stale) return;
    const base = form.dataset.baseVersion;
    const cur = head.dataset.currentVersion;
    if (cur && base && cur !== base) {
      stale.textContent = "Someone else saved version " + cur + " while you were editing version " + base +
        ". When you save, their changes to sections you did not touch are merged into your text and you check the result first; nothing you typed is lost.";
      stale.hidden = false;
    }
  }

  document.addEventListener("input", (ev) => {
    const t = ev.target;
    if (t instanceof HTMLElement) t.dataset.dirty = "1";
  });

  // A hidden tab closes its stream (browsers allow few connections per host, and every
  // open tab would hold one) and re-reads the page when it is shown again.
  if (document.body.hasAttribute("data-live-page") && "EventSource" in window) {
    let es = null;
    const connect = () => {
      es = new EventSource("/ui/events");
      es.addEventListener("open", () => {
        // Changes between rendering this page and (re)connecting were announced to
        // nobody: re-read once the stream is up.
        schedule();
        if (liveStatus) liveStatus.hidden = true;
      });
      es.addEventListener("change", schedule);
      es.addEventListener("error", () => {
        if (!liveStatus || !es || es.readyState === EventSource.OPEN) return;
        // CLOSED means the browser gave up (the session ended, so the stream became a
        // redirect to sign-in); CONNECTING means it retries by itself.
        liveStatus.textContent = es.readyState === EventSource.CLOSED
          ? "Live updates stopped. Reload the page; you may need to sign in again."
          : "Live updates paused; reconnecting…";
        liveStatus.hidden = false;
      });
    };
    const disconnect = () => {
      if (es) { es.close(); es = null; }
    };
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) disconnect();
      else if (!es) connect();
    });
    window.addEventListener("pagehide", disconnect);
    connect();
    document.documentElement.dataset.live = "on";
  }

  // Tests (and curious people) can see that the shortcuts are wired up.
  document.documentElement.dataset.js = "ready";

  // ---- Small things ----------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    const secret = $("[data-select]");
    if (secret) { secret.focus(); secret.select(); }
    if (location.hash === "#approve") {
      history.replaceState(null, "", location.pathname + location.search);
      approve();
    }
    if (location.hash === "#edit") {
      const first = $("#edit textarea");
      if (first) first.focus();
    }
  });
})();
