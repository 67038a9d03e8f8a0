// The site's behaviours: the contents open beside the text on wide screens and mark the section in view,
// and the search box looks through the index that helpers/build/site.py wrote to search-index.js.
(() => {
  const root = new URL("..", document.currentScript.src);
  const bar = document.querySelector(".site-bar");

  function contents(toc) {
    const wide = matchMedia("(min-width: 60rem)");
    const fit = () => { toc.open = wide.matches; };
    fit();
    wide.addEventListener("change", fit);
    const links = [...toc.querySelectorAll("a[href^='#']")];
    const headings = links.map((a) => document.getElementById(decodeURIComponent(a.hash.slice(1))));
    toc.addEventListener("click", (event) => {
      if (event.target.closest("a") && !wide.matches) toc.open = false; // close before the jump, not after
    });
    const mark = () => {
      // the last heading above a line just under the bar; at the foot of the page, the last heading on screen
      const bottom = innerHeight + scrollY >= document.documentElement.scrollHeight - 2;
      const line = bottom ? innerHeight : bar.getBoundingClientRect().bottom + 24;
      const current = headings.reduce((found, h, i) => (h && h.getBoundingClientRect().top <= line ? i : found), 0);
      links.forEach((a, i) => (i === current ? a.setAttribute("aria-current", "location") : a.removeAttribute("aria-current")));
    };
    addEventListener("scroll", () => requestAnimationFrame(mark), { passive: true });
    mark();
  }

  function search(form, entries) {
    const input = form.querySelector("input");
    const list = form.querySelector("ol");
    const titled = (e, terms) => terms.every((t) => e.title.toLowerCase().includes(t));
    const hits = (terms) =>
      entries
        .filter((e) => terms.every((t) => e.haystack.includes(t)))
        .sort((a, b) => titled(b, terms) - titled(a, terms));
    const item = (entry, terms) => {
      const link = document.createElement("a");
      link.href = new URL(entry.url, root).href;
      link.append(Object.assign(document.createElement("strong"), { textContent: entry.title }));
      const at = Math.max(0, entry.text.toLowerCase().indexOf(terms[0]) - 40);
      link.append(Object.assign(document.createElement("span"), { textContent: `…${entry.text.slice(at, at + 140)}…` }));
      const li = document.createElement("li");
      li.append(link);
      return li;
    };
    const show = () => {
      const terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      const found = terms.length ? hits(terms) : [];
      const count = found.length ? `${found.length} section${found.length === 1 ? "" : "s"} match` : "No matches";
      const heading = Object.assign(document.createElement("li"), { textContent: count, className: "site-search-count" });
      list.replaceChildren(heading, ...found.map((e) => item(e, terms)));
      list.hidden = !terms.length;
    };
    // The arrow keys walk from the box through the results and back; Enter follows a result, Escape closes.
    const step = (event) => {
      const links = [...list.querySelectorAll("a")];
      const at = links.indexOf(document.activeElement);
      if (event.key === "Escape") { input.value = ""; show(); input.focus(); return; }
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp" || !links.length) return;
      event.preventDefault();
      const next = event.key === "ArrowDown" ? at + 1 : at - 1;
      (next < 0 ? input : links[Math.min(next, links.length - 1)]).focus();
    };
    entries.forEach((e) => { e.haystack = `${e.title} ${e.text}`.toLowerCase(); });
    input.addEventListener("input", show);
    form.addEventListener("keydown", step);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const first = list.querySelector("a");
      if (first) location.href = first.href;
    });
  }

  // A figure drawn wider than the screen is shown fitted; a tap shows it at full size, a second fits it again.
  function zoomable(figure) {
    const button = figure.querySelector(".site-zoom");
    const image = button.querySelector("img");
    const fit = () => figure.classList.toggle("shrunk", image.naturalWidth > image.clientWidth + 1 || figure.classList.contains("zoomed"));
    button.addEventListener("click", () => {
      if (!figure.classList.contains("shrunk")) return;
      const zoomed = figure.classList.toggle("zoomed");
      button.setAttribute("aria-expanded", String(zoomed));
      button.title = zoomed ? "Fit the figure to the page" : "Show the figure at full size";
    });
    image.complete ? fit() : image.addEventListener("load", fit);
    addEventListener("resize", fit);
  }

  document.querySelectorAll(".site-figure").forEach(zoomable);
  const toc = document.querySelector(".site-toc");
  if (toc) contents(toc);
  const form = document.querySelector(".site-search");
  if (form && window.SITE_SEARCH) search(form, window.SITE_SEARCH);
})();
