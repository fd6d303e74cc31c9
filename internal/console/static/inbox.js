// Bottletrail operator console: the alert inbox. Every few seconds the
// page asks the server for its list and counts again, so new alerts appear
// without a reload. It keeps the rows an agent has ticked, waits while
// someone works in a row's form, pauses while the tab is hidden or nobody
// has touched the page for five minutes (so an unattended inbox lets its
// session time out), and stops once the session has ended. Plain script,
// no library; the page works without it.
"use strict";
(() => {
  const root = document.getElementById("inbox");
  if (!root || !root.dataset.live || !window.fetch) {
    return;
  }
  const every = Math.max(Number(root.dataset.poll) || 15000, 1000);
  const idleLimit = 5 * 60 * 1000;
  const announce = document.getElementById("inbox-announce");
  const stale = document.getElementById("inbox-stale");
  const selectAll = document.getElementById("select-all");
  const selected = document.getElementById("bulk-count");
  const baseTitle = document.title.replace(/^\(\d+\) /, "");
  let lastInput = Date.now();
  let stopped = false;
  let inFlight = false;
  let timer = 0;

  const list = () => document.getElementById("inbox-list");
  const rowIDs = () => new Set([...document.querySelectorAll("#inbox-list [data-id]")].map((e) => e.dataset.id));
  const boxes = () => [...document.querySelectorAll("#inbox-list input[name=id]")];

  // busy reports whether someone is working in the list: a row's form is
  // open or has the focus.
  function busy() {
    const l = list();
    if (!l) {
      return true;
    }
    if (l.querySelector("details[open]")) {
      return true;
    }
    const a = document.activeElement;
    return !!a && l.contains(a) && a.matches("textarea, select, input:not([type=checkbox])");
  }

  function count() {
    const all = boxes();
    const n = all.filter((b) => b.checked).length;
    if (selected) {
      selected.textContent = n ? "已选 " + n + " 条" : "未选择";
    }
    if (selectAll) {
      selectAll.checked = n > 0 && n === all.length;
    }
  }

  function retitle() {
    const l = list();
    const total = l ? Number(l.dataset.total) || 0 : 0;
    document.title = total > 0 ? "(" + total + ") " + baseTitle : baseTitle;
  }

  // update puts the chips and the list the server sent in place of the
  // old ones, keeps the ticked rows ticked and marks the new rows.
  function update(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    const chips = tpl.content.getElementById("inbox-chips");
    const fresh = tpl.content.getElementById("inbox-list");
    const oldChips = document.getElementById("inbox-chips");
    const oldList = list();
    if (!chips || !fresh || !oldChips || !oldList) {
      return;
    }
    const before = rowIDs();
    const ticked = new Set(boxes().filter((b) => b.checked).map((b) => b.value));
    oldChips.replaceWith(chips);
    oldList.replaceWith(fresh);
    let added = 0;
    for (const row of fresh.querySelectorAll("[data-id]")) {
      if (!before.has(row.dataset.id)) {
        row.classList.add("fresh");
        added++;
      }
    }
    for (const b of boxes()) {
      b.checked = ticked.has(b.value);
    }
    count();
    retitle();
    if (added > 0 && announce) {
      announce.textContent = "新增 " + added + " 条预警";
    }
  }

  function stop(message) {
    stopped = true;
    clearInterval(timer);
    if (stale) {
      stale.textContent = message;
      stale.hidden = false;
    }
  }

  async function refresh() {
    if (stopped || inFlight || document.hidden || Date.now() - lastInput > idleLimit || busy()) {
      return;
    }
    inFlight = true;
    try {
      const res = await fetch(root.dataset.live, { credentials: "same-origin", redirect: "manual", cache: "no-store" });
      if (res.type === "opaqueredirect" || res.status === 401 || res.status === 403) {
        stop("登录已超时，列表不再自动更新。请刷新页面并重新登录。");
        return;
      }
      if (res.ok) {
        update(await res.text());
      }
    } catch (e) {
      // Offline for a moment: the next round tries again.
    } finally {
      inFlight = false;
    }
  }

  for (const type of ["keydown", "pointerdown", "wheel", "touchstart", "input"]) {
    document.addEventListener(type, () => { lastInput = Date.now(); }, { passive: true });
  }
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      lastInput = Date.now();
      refresh();
    }
  });
  document.addEventListener("change", (e) => {
    if (e.target instanceof HTMLInputElement && e.target.name === "id") {
      count();
    }
  });
  if (selectAll) {
    const wrap = selectAll.closest("[hidden]");
    if (wrap) {
      wrap.hidden = false;
    }
    selectAll.addEventListener("change", () => {
      for (const b of boxes()) {
        b.checked = selectAll.checked;
      }
      count();
    });
  }
  count();
  retitle();
  timer = setInterval(refresh, every);
})();
